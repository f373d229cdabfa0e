package configfile

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/userdir"
)

// HelperName is this helper's name in Docker's config: credHelpers values
// and a credsStore of "gcr" make docker run docker-credential-gcr.
const HelperName = "gcr"

// Config is what docker reads from config.json to choose a credential helper.
type Config struct {
	CredHelpers map[string]string // registry host -> helper suffix (docker-credential-SUFFIX)
	CredsStore  string            // the helper for every other host
}

// dockerConfig decodes as the docker CLI's ConfigFile does: encoding/json,
// keys matched case-insensitively, repeated credHelpers merged.
type dockerConfig struct {
	CredHelpers map[string]string `json:"credHelpers"`
	CredsStore  string            `json:"credsStore"`
}

// Parse reads credHelpers and credsStore as docker reads them. An empty file
// is an empty config, as for docker. An error names the line and column. A
// leading UTF-8 byte order mark is skipped, though docker cannot read a
// file that has one (fsutil.HasBOM): doctor says so, and configure-docker removes
// it.
func Parse(data []byte) (*Config, error) {
	data = fsutil.TrimBOM(data)
	if blank(data) {
		return &Config{}, nil
	}
	s := &scanner{data: data}
	s.ws()
	start := s.pos
	if err := s.value(0); err != nil {
		return nil, fmt.Errorf("parse docker config: %w", err)
	}
	if s.ws(); s.pos < len(data) {
		return nil, fmt.Errorf("parse docker config: %w", syntaxError(data, s.pos, "invalid character after top-level value"))
	}
	if c := data[start]; c != '{' {
		return nil, fmt.Errorf("parse docker config: %w",
			errorAt(data, start, fixIt, "the top-level value is %s, docker needs an object", kind(c)))
	}
	var dc dockerConfig
	if err := json.Unmarshal(data, &dc); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) {
			return nil, fmt.Errorf("parse docker config: %w", err) // unreachable: the scanner validated data
		}
		// Offset is just after the value.
		return nil, fmt.Errorf("parse docker config: %w", errorAt(data, int(te.Offset)-1, fixIt,
			"docker cannot read this: %s holds %s where it needs %s", te.Field, article(te.Value), te.Type))
	}
	return &Config{CredHelpers: dc.CredHelpers, CredsStore: dc.CredsStore}, nil
}

// Dir returns the docker config directory as the docker CLI chooses it: the
// --config flag when set, else $DOCKER_CONFIG, else ~/.docker, reading the
// environment through getenv. (The docker CLI asks the user database when
// HOME is unset; so does the helper's getenv, internal/app's.)
func Dir(flagDir string, getenv func(string) string) (string, error) {
	if flagDir != "" {
		return flagDir, nil
	}
	if dir := getenv("DOCKER_CONFIG"); dir != "" {
		return dir, nil
	}
	home, _ := userdir.Home(getenv)
	if home == "" {
		return "", errors.New("find docker config directory: no home directory; set DOCKER_CONFIG or pass --config")
	}
	return filepath.Join(home, ".docker"), nil
}

// lockTimeout bounds the wait for another process editing the same file.
const lockTimeout = 30 * time.Second

// lockDirs are the places Update's lock may live, best first: the user's
// cache dir, then per-user places that need no home ($XDG_RUNTIME_DIR, a
// directory of the user's own in the temp dir). Never beside config.json:
// lock files are never removed, and one there would stay in the user's
// docker config dir forever.
func lockDirs(getenv func(string) string) []string {
	var dirs []string
	if dir, err := userdir.Cache(getenv); err == nil {
		dirs = append(dirs, filepath.Join(dir, "docker-credential-gcr", "locks"))
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" && filepath.IsAbs(dir) {
		dirs = append(dirs, filepath.Join(dir, "docker-credential-gcr", "locks"))
	}
	name := "docker-credential-gcr"
	if uid := os.Geteuid(); uid >= 0 {
		name += "-" + strconv.Itoa(uid)
	}
	return append(dirs, filepath.Join(os.TempDir(), name, "locks"))
}

// lockName names the lock of path: a hash of the file's resolved path, so
// that every run that edits the same file takes the same lock.
func lockName(path string) string {
	abs, err := filepath.Abs(path)
	if err == nil {
		if r, err := filepath.EvalSymlinks(abs); err == nil {
			abs = r
		}
	}
	sum := sha256.Sum256([]byte(abs))
	return hex.EncodeToString(sum[:12]) + ".lock"
}

// lock takes the lock of path in the first of lockDirs that is the user's
// alone, like the token cache's dir (fsutil.EnsurePrivateDir: owned by the
// user, closed to others), so that nobody else can hold it; a directory of
// someone else (a shared XDG_CACHE_HOME) is skipped. When no place is
// usable (no home, a read-only system), the edit goes on unlocked and the
// atomic write still protects the file (locked reports false). Only a
// timeout is an error.
func lock(ctx context.Context, path string, getenv func(string) string) (unlock func() error, locked bool, err error) {
	name := lockName(path)
	for _, dir := range lockDirs(getenv) {
		if err := fsutil.EnsurePrivateDir(filepath.Dir(dir)); err != nil {
			continue
		}
		if err := fsutil.EnsurePrivateDir(dir); err != nil {
			continue
		}
		unlock, err := fsutil.Lock(ctx, filepath.Join(dir, name), lockTimeout)
		if err == nil {
			return unlock, true, nil
		}
		if errors.Is(err, fsutil.ErrLockTimeout) || ctx.Err() != nil {
			return nil, false, err
		}
	}
	return func() error { return nil }, false, nil
}

// UpdateOptions tune Update.
type UpdateOptions struct {
	// DryRun takes no lock and writes nothing.
	DryRun bool
	// Getenv reads the environment that places the lock (XDG_CACHE_HOME,
	// HOME, XDG_RUNTIME_DIR); os.Getenv when nil.
	Getenv func(string) string
}

// Update applies edit to the config.json at path: under a lock (see
// lock), it reads the file (a missing one reads as
// empty), calls edit, and when the bytes changed writes them atomically
// (fsutil.WriteFileAtomic: symlink followed, mode and owner kept, a new file
// 0600 in a 0700 directory). Unchanged bytes are not written, so the file's
// mtime stays. With o.DryRun it takes no lock and writes nothing. It returns
// the bytes before and after the edit; on error the file is untouched.
//
// Holding the lock, it also removes the temp files that runs killed
// between creating one and the rename left beside the file: copies of
// config.json, which may hold auths secrets (fsutil.RemoveTemps, which
// keeps a temp file that a running writer holds).
func Update(ctx context.Context, path string, o UpdateOptions, edit func([]byte) ([]byte, error)) (before, after []byte, err error) {
	dryRun := o.DryRun
	if !dryRun {
		getenv := o.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		unlock, _, err := lock(ctx, path, getenv)
		if err != nil {
			return nil, nil, fmt.Errorf("update %s: %w", path, err)
		}
		defer func() {
			// Best effort; safe unlocked too (RemoveTemps removes only what
			// no running process holds), so a run with no lock place
			// (locked false) cleans up as well.
			fsutil.RemoveTemps(path)
			if uerr := unlock(); uerr != nil && err == nil {
				err = fmt.Errorf("update %s: %w", path, uerr)
			}
		}()
	}
	before, err = os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("update %s: %w", path, err)
	}
	after, err = edit(before)
	if err != nil {
		return before, nil, fmt.Errorf("update %s: %w", path, err)
	}
	if dryRun || bytes.Equal(before, after) {
		return before, after, nil
	}
	if err := fsutil.WriteFileAtomic(path, after, 0o600); err != nil {
		return before, after, fmt.Errorf("update docker config: %w", err)
	}
	return before, after, nil
}

func article(v string) string {
	if v == "array" || v == "object" {
		return "an " + v
	}
	return "a " + v
}
