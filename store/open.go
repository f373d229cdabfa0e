package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/zalando/go-keyring"
)

// Options choose and place the store.
type Options struct {
	Mode   string              // Auto (default), Keyring or File
	Dir    string              // the helper's config dir: index and fallback file live here
	Getenv func(string) string // the environment (for DBUS_SESSION_BUS_ADDRESS)
	Notice io.Writer           // where the one-time fallback notice goes (stderr)
	// Keyring replaces the OS keyring (tests); nil is the OS keyring.
	Keyring keyring.Keyring
}

// Open returns the store o asks for. Auto uses the keyring when one is
// reachable and the file otherwise, and reads both.
func Open(o Options) (Store, error) {
	file := NewFile(filepath.Join(o.Dir, "credentials.json"))
	kr := o.Keyring
	if kr == nil {
		kr = osKeyring{}
	}
	reachable, why := keyringReachable(o.Getenv)
	if o.Keyring != nil {
		reachable = true
	}
	keyed := NewKeyring(kr, filepath.Join(o.Dir, "keyring-index.json"))
	switch o.Mode {
	case File:
		return file, nil
	case Keyring:
		if !reachable {
			return nil, fmt.Errorf("no keyring reachable (%s); start a session with a Secret Service (gnome-keyring) or set credential_store to file", why)
		}
		return keyed, nil
	case Auto, "":
		a := &autoStore{file: file, notice: o.Notice, filePath: filepath.Join(o.Dir, "credentials.json"), why: why}
		if reachable {
			a.kr = keyed
		}
		return a, nil
	}
	return nil, fmt.Errorf("unknown credential store %q; use auto, keyring or file", o.Mode)
}

// keyringReachable decides, without touching D-Bus, whether the OS keyring
// can be used. On Linux and the BSDs that needs a session bus: with none,
// go-keyring's D-Bus library would autolaunch one (and leave daemons behind).
func keyringReachable(getenv func(string) string) (bool, string) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return true, ""
	}
	addr := ""
	if getenv != nil {
		addr = getenv("DBUS_SESSION_BUS_ADDRESS")
	}
	if addr == "" {
		return false, "DBUS_SESSION_BUS_ADDRESS is not set: no D-Bus session"
	}
	for _, a := range strings.Split(addr, ";") {
		switch {
		case strings.HasPrefix(a, "unix:path="):
			p, _, _ := strings.Cut(strings.TrimPrefix(a, "unix:path="), ",")
			if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
				return true, ""
			}
		case strings.HasPrefix(a, "unix:abstract="), strings.HasPrefix(a, "tcp:"):
			return true, ""
		}
	}
	return false, "the D-Bus session socket in DBUS_SESSION_BUS_ADDRESS does not exist"
}

// autoStore writes to the keyring when it can and to the file otherwise,
// and reads both, so credentials survive a change of session.
type autoStore struct {
	kr       Store // nil when no keyring is reachable
	file     Store
	filePath string
	why      string
	notice   io.Writer
}

func (a *autoStore) Get(host string) (*Credential, error) {
	if a.kr != nil {
		c, err := a.kr.Get(host)
		if !errors.Is(err, ErrNotFound) {
			return c, err
		}
	}
	return a.file.Get(host)
}

func (a *autoStore) Put(host string, c *Credential) error {
	why := a.why
	if a.kr != nil {
		err := a.kr.Put(host, c)
		if err == nil {
			_ = a.file.Delete(host) // an older copy in the fallback file
			return nil
		}
		why = err.Error()
	}
	_, err := os.Stat(a.filePath)
	created := errors.Is(err, fs.ErrNotExist)
	if err := a.file.Put(host, c); err != nil {
		var nw *NotWritableError
		if errors.As(err, &nw) {
			nw.NoKeyring = why
		}
		return err
	}
	// Said once the file holds the credential, never before a write that
	// may fail (a read-only home).
	if created && a.notice != nil {
		fmt.Fprintf(a.notice, "docker-credential-gcr: no OS keyring (%s); keeping credentials in %s (mode 0600)\n", why, a.filePath)
	}
	return nil
}

func (a *autoStore) Delete(host string) error {
	errFile := a.file.Delete(host)
	if a.kr == nil {
		return errFile
	}
	errKR := a.kr.Delete(host)
	switch {
	case errKR == nil || errFile == nil:
		return nil
	case !errors.Is(errKR, ErrNotFound):
		return errKR
	}
	return errFile
}

func (a *autoStore) List() (map[string]Entry, error) {
	out, err := a.file.List()
	if err != nil {
		return nil, err
	}
	if a.kr != nil {
		m, err := a.kr.List()
		if err != nil {
			return nil, err
		}
		for h, u := range m {
			out[h] = u
		}
	}
	return out, nil
}
