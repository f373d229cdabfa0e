package harness

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// The runtime shim that lets Go >= 1.24 Windows binaries start under
// Debian's wine 8 (winshim/bcryptprimitives.c says why).
var (
	//go:embed winshim/bcryptprimitives.c
	shimC []byte
	//go:embed winshim/bcryptprimitives.def
	shimDef []byte
)

// MinGW is the C compiler that builds the shim.
const MinGW = "x86_64-w64-mingw32-gcc"

// prefixFormat changes when the way a template prefix is made changes, so
// that an old cached template is not reused.
const prefixFormat = "1"

// Wine runs Windows programs under wine in a throwaway prefix of their own:
// never the user's ~/.wine. Making a prefix costs ~10-20 s (wineboot), so a
// prepared template (wineboot done, the shim in system32) is kept in the Go
// build cache's directory, keyed by the wine and compiler versions, the
// shim's source and the user name; each Wine is a clone of it whose DLLs
// are hard links (wine never writes them) and whose registry and user
// files are copies.
type Wine struct {
	Prefix string // WINEPREFIX
	User   string // the Windows user name (wine takes $USER)
	loader string // wine64
	server string // wineserver
	home   string // HOME for wine itself
}

// WineMissing returns the tools the Windows tests need that are not
// installed: wine (its 64-bit loader) and the mingw-w64 compiler.
func WineMissing() []string {
	var out []string
	if _, err := wineLoader(); err != nil {
		out = append(out, "wine64")
	}
	if _, err := exec.LookPath(MinGW); err != nil {
		out = append(out, MinGW)
	}
	return out
}

// wineLoader finds wine's 64-bit loader: wine64 on PATH, Debian's
// /usr/lib/wine/wine64, or the wine wrapper.
func wineLoader() (string, error) {
	if p, err := exec.LookPath("wine64"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat("/usr/lib/wine/wine64"); err == nil && fi.Mode()&0o111 != 0 {
		return "/usr/lib/wine/wine64", nil
	}
	return exec.LookPath("wine")
}

func wineServer(loader string) (string, error) {
	if p, err := exec.LookPath("wineserver"); err == nil {
		return p, nil
	}
	p := filepath.Join(filepath.Dir(loader), "wineserver")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", errors.New("wineserver not found")
}

// NewWine makes a prefix under dir (a temp dir of the caller's, removed by
// the caller) and starts its wineserver, which stays up until Close.
func NewWine(ctx context.Context, dir string) (*Wine, error) {
	loader, err := wineLoader()
	if err != nil {
		return nil, fmt.Errorf("wine: %w; run `make deps` (Debian: wine64, %s)", err, "gcc-mingw-w64-x86-64-win32")
	}
	server, err := wineServer(loader)
	if err != nil {
		return nil, err
	}
	w := &Wine{Prefix: filepath.Join(dir, "prefix"), User: wineUser(), loader: loader, server: server, home: filepath.Join(dir, "home")}
	if err := os.MkdirAll(w.home, 0o700); err != nil {
		return nil, err
	}
	tmpl, err := w.template(ctx)
	if err != nil {
		return nil, err
	}
	if err := clonePrefix(tmpl, w.Prefix); err != nil {
		return nil, fmt.Errorf("wine: clone the template prefix: %w", err)
	}
	// A persistent wineserver: without it each run starts one and it lingers
	// for 3 s after the last client. It goes to the background holding the
	// descriptors it was given: no pipes. It creates the files and
	// directories, and wine shows a file's unix mode as its DACL (owner
	// rwx: the user and SYSTEM; other bits: Everyone): with umask 077, what
	// a program creates under the profile admits the user and SYSTEM only,
	// as the inherited ACL of a Windows profile (user, SYSTEM,
	// Administrators) does.
	if err := w.run(ctx, "/bin/sh", "-c", `umask 077 && exec "$0" -p`, w.server); err != nil {
		return nil, fmt.Errorf("wine: start wineserver: %w", err)
	}
	// The first program of a session starts wine's services (services.exe,
	// plugplay, ...), which keep the descriptors they inherit: start them
	// now, without pipes, so that a test's first run is like the others.
	if err := w.run(ctx, w.loader, "cmd", "/c", "exit"); err != nil {
		w.Close()
		return nil, fmt.Errorf("wine: first program: %w", err)
	}
	return w, nil
}

// wineUser is the name wine gives the Windows user ($USER, else root's).
func wineUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}

// Env is the environment wine itself needs; add the program's own.
// Variables pass through to the Windows program, except those wine sets
// from the prefix (USERPROFILE, APPDATA, LOCALAPPDATA, PATH: use WINEPATH
// to add directories to %PATH%). HOME is not passed to the program.
func (w *Wine) Env() []string {
	return []string{
		"WINEPREFIX=" + w.Prefix,
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=", // no Mono or Gecko installer
		"HOME=" + w.home,
		"USER=" + w.User,
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
	}
}

// Command runs the Windows program exe under wine with env added to Env.
func (w *Wine) Command(ctx context.Context, env []string, exe string, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, w.loader, append([]string{exe}, args...)...)
	c.Env = append(w.Env(), env...)
	c.WaitDelay = 5 * time.Second
	return c
}

// run runs a wine tool with its output in a file, not a pipe: the
// wineserver a tool starts outlives it with the tool's descriptors, and a
// pipe would stay open until the server exits.
func (w *Wine) run(ctx context.Context, prog string, args ...string) error {
	return runLogged(ctx, w.Env(), prog, args...)
}

func runLogged(ctx context.Context, env []string, prog string, args ...string) error {
	log, err := os.CreateTemp("", "dcg-wine-log-")
	if err != nil {
		return err
	}
	defer os.Remove(log.Name())
	defer log.Close()
	c := exec.CommandContext(ctx, prog, args...)
	c.Env = env
	c.Stdout, c.Stderr = log, log
	if err := c.Run(); err != nil {
		out, _ := os.ReadFile(log.Name())
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(prog), strings.Join(args, " "), err, out)
	}
	return nil
}

// Profile is the Unix path of the user's profile (%USERPROFILE%).
func (w *Wine) Profile() string {
	return filepath.Join(w.Prefix, "drive_c", "users", w.User)
}

// LocalAppData is the Unix path of %LocalAppData% (os.UserCacheDir).
func (w *Wine) LocalAppData() string { return filepath.Join(w.Profile(), "AppData", "Local") }

// RoamingAppData is the Unix path of %AppData% (os.UserConfigDir).
func (w *Wine) RoamingAppData() string { return filepath.Join(w.Profile(), "AppData", "Roaming") }

// Close stops the prefix's wineserver and every program still running in it.
func (w *Wine) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return w.run(ctx, w.server, "-k")
}

// WinPath is p as a Windows program under wine sees it: wine's Z: drive
// is the Unix root.
func WinPath(p string) string {
	return `Z:` + strings.ReplaceAll(p, "/", `\`)
}

// WineVersion is `wine --version`, e.g. "wine-8.0 (Debian 8.0~repack-4)".
func WineVersion(ctx context.Context) (string, error) {
	loader, err := wineLoader()
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, loader, "--version").Output()
	return strings.TrimSpace(string(out)), err
}

// template returns a prepared prefix: from the cache when one of the same
// key is there, else made now (and kept when there is a cache).
func (w *Wine) template(ctx context.Context) (string, error) {
	version, err := WineVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("wine --version: %w", err)
	}
	gcc, err := exec.CommandContext(ctx, MinGW, "-dumpfullversion").Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w; run `make deps`", MinGW, err)
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(prefixFormat), []byte(version), gcc, []byte(w.User), shimC, shimDef} {
		h.Write(part)
		h.Write([]byte{0})
	}
	key := hex.EncodeToString(h.Sum(nil))[:16]
	root := wineCacheDir()
	if root == "" {
		// No cache: a template of this run's own, beside its prefix.
		dir := filepath.Join(filepath.Dir(w.Prefix), "template")
		return dir, w.makeTemplate(ctx, dir)
	}
	dir := filepath.Join(root, "prefix-"+key)
	if _, err := os.Stat(filepath.Join(dir, ".dcg-ready")); err == nil {
		return dir, nil
	}
	unlock, err := fsutil.Lock(ctx, filepath.Join(root, "prefix-"+key+".lock"), 5*time.Minute)
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, ".dcg-ready")); err == nil {
		return dir, nil // another test run made it while this one waited
	}
	os.RemoveAll(dir) // a half-made one of a run that died
	tmp, err := os.MkdirTemp(root, ".prefix-"+key+"-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := w.makeTemplate(ctx, filepath.Join(tmp, "prefix")); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "prefix"), dir); err != nil {
		return "", err
	}
	return dir, nil
}

// wineCacheDir is where templates are kept: beside the Go build cache
// (GOCACHE), which a developer's and CI's machine keep between runs; ""
// when there is none (GOCACHE=off).
func wineCacheDir() string {
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	gocache := strings.TrimSpace(string(out))
	if err != nil || gocache == "" || gocache == "off" {
		return ""
	}
	dir := filepath.Join(gocache, "docker-credential-gcr-e2e-wine")
	if os.MkdirAll(dir, 0o700) != nil {
		return ""
	}
	return dir
}

// makeTemplate makes a fresh prefix at dir: wineboot, the user-folder
// links that point outside the prefix (to $HOME) replaced by empty
// directories, and the shim built into system32.
func (w *Wine) makeTemplate(ctx context.Context, dir string) error {
	start := time.Now()
	env := append(w.Env(), "WINEPREFIX="+dir)
	if err := runLogged(ctx, env, w.loader, "wineboot", "--init"); err != nil {
		return fmt.Errorf("wine: %w", err)
	}
	// Wait for the wineserver to write the registry and exit.
	if err := runLogged(ctx, env, w.server, "-w"); err != nil {
		return fmt.Errorf("wine: %w", err)
	}
	users := filepath.Join(dir, "drive_c", "users", w.User)
	entries, err := os.ReadDir(users)
	if err != nil {
		return fmt.Errorf("wine: prefix has no profile for %s: %w", w.User, err)
	}
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink != 0 {
			p := filepath.Join(users, e.Name())
			if err := os.Remove(p); err != nil {
				return err
			}
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
		}
	}
	src := filepath.Join(dir, "shim")
	if err := os.MkdirAll(src, 0o700); err != nil {
		return err
	}
	defer os.RemoveAll(src)
	c, def := filepath.Join(src, "bcryptprimitives.c"), filepath.Join(src, "bcryptprimitives.def")
	if err := os.WriteFile(c, shimC, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(def, shimDef, 0o600); err != nil {
		return err
	}
	dll := filepath.Join(dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	cc := exec.CommandContext(ctx, MinGW, "-O2", "-shared", "-o", dll, c, def, "-ladvapi32")
	if out, err := cc.CombinedOutput(); err != nil {
		return fmt.Errorf("wine: build the bcryptprimitives shim: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, ".dcg-ready"), []byte(time.Since(start).String()+"\n"), 0o600); err != nil {
		return err
	}
	return nil
}

// clonePrefix copies the template at src to dst: files under
// drive_c/windows (DLLs and programs, which wine only reads) are hard
// links, everything else (registry, profile) is copied, symlinks are kept.
func clonePrefix(src, dst string) error {
	shared := filepath.Join(src, "drive_c", "windows") + string(filepath.Separator)
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if rel == ".dcg-ready" {
			return nil
		}
		target := filepath.Join(dst, rel)
		switch t := d.Type(); {
		case t.IsDir():
			return os.MkdirAll(target, 0o755)
		case t&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case t.IsRegular() && strings.HasPrefix(p, shared):
			if err := os.Link(p, target); err == nil {
				return nil
			}
			return copyFile(p, target) // another file system
		case t.IsRegular():
			return copyFile(p, target)
		}
		return nil // sockets, devices: none in a prefix
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}
