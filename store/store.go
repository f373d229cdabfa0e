package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// ErrNotFound is returned for a host with no stored credential.
var ErrNotFound = errors.New("no stored credential")

// Credential is what docker login stored for a host.
type Credential struct {
	// ServerURL is the server URL as docker login sent it
	// ("https://index.docker.io/v1/"), which list hands back; "" in what
	// was stored before it was kept.
	ServerURL string    `json:"server_url,omitempty"`
	Username  string    `json:"username"`
	Secret    string    `json:"secret"`
	StoredAt  time.Time `json:"stored_at"`
}

// Entry is what List tells of a stored credential: never its secret.
type Entry struct {
	ServerURL string // as stored; "" for credentials stored before it was kept
	Username  string
}

// Store keeps credentials by registry host (the normalised host[:port], so
// that every URL form of a host finds them).
type Store interface {
	Get(host string) (*Credential, error)
	Put(host string, c *Credential) error
	Delete(host string) error
	// List maps every stored host to its server URL and username.
	List() (map[string]Entry, error)
}

// Backend names.
const (
	Auto    = "auto"
	Keyring = "keyring"
	File    = "file"
)

// jsonFile is a JSON map in a file, read and written whole under a lock
// with atomic replacement: the secrets file of the file backend and the
// index of the keyring backend.
type jsonFile[V any] struct{ path string }

// maxFileSize bounds a store file: thousands of service-account keys.
const maxFileSize = 4 << 20

// read returns the file's map. The file holds secrets (or says where they
// are), so it is trusted only when it is the user's alone
// (fsutil.CheckPrivate). A file of the user's that others may only read is
// closed (chmod 0600) first: nobody else could have written it. A file
// that others may write, or that belongs to someone else, is refused, never
// replaced: it may hold someone's credentials.
func (f jsonFile[V]) read() (map[string]V, error) {
	m := map[string]V{}
	if fi, err := os.Stat(f.path); err == nil && fsutil.CheckPrivate(f.path, fi) != nil && fsutil.CheckNotWritableByOthers(f.path, fi) == nil {
		_ = os.Chmod(f.path, 0o600) // root's file stays as it is, and is refused below
	}
	b, err := fsutil.ReadPrivate(f.path, maxFileSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return m, nil
	case errors.Is(err, fsutil.ErrUntrusted):
		return nil, fmt.Errorf("credential store refused: %w", err)
	case err != nil:
		return nil, fmt.Errorf("read %s: %w", f.path, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is corrupt (%v); move it aside and log in again", f.path, err)
	}
	return m, nil
}

// update applies edit under the file's lock and writes the result 0600
// (in a 0700 directory when it creates one).
func (f jsonFile[V]) update(edit func(map[string]V) error) error {
	dir := filepath.Dir(f.path)
	unlock, err := fsutil.Lock(context.Background(), f.path+".lock", 10*time.Second)
	if err != nil {
		return notWritable(dir, fmt.Errorf("lock %s: %w", f.path, err))
	}
	defer unlock()
	// Copies of the file (secrets) that killed writers left beside it.
	fsutil.RemoveTemps(f.path) // best effort
	m, err := f.read()
	if err != nil {
		return err
	}
	if err := edit(m); err != nil {
		return err
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := fsutil.WritePrivate(f.path, append(b, '\n')); err != nil {
		return notWritable(dir, fmt.Errorf("write %s: %w", f.path, err))
	}
	return nil
}
