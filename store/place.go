package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// The helper's variables that place and choose the store (package settings
// reads them; the store names them in its advice).
const (
	envSettingsFile = "DOCKER_CREDENTIAL_GCR_CONFIG"
	envMode         = "DOCKER_CREDENTIAL_GCR_CREDENTIAL_STORE"
)

// NotWritableError is a store file (the credentials file, or the keyring's
// index) whose directory cannot be written: a read-only home, a read-only
// root file system. Nothing was stored.
type NotWritableError struct {
	Dir string
	Err error // what the system said, naming the path
	// NoKeyring says why the OS keyring was not used, when auto chose the
	// file; "" otherwise.
	NoKeyring string
}

func (e *NotWritableError) Error() string {
	why := ""
	if e.NoKeyring != "" {
		why = "; no OS keyring (" + e.NoKeyring + ")"
	}
	session := ""
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		session = " in a gnome-keyring session"
	}
	return fmt.Sprintf("cannot keep credentials in %s (%v)%s; set %s=DIR/config.json for a writable DIR: "+
		"the credentials file goes beside it (with %s=keyring%s, the keyring holds the secrets and DIR only an index of hosts)",
		e.Dir, e.Err, why, envSettingsFile, envMode, session)
}

func (e *NotWritableError) Unwrap() error { return e.Err }

// notWritable returns a *NotWritableError for dir when err says that a file
// cannot be created or replaced there, and err otherwise.
func notWritable(dir string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case !fsutil.IsNotWritable(err):
		return err
	case errors.As(err, &pe):
		return &NotWritableError{Dir: dir, Err: pe}
	case errors.As(err, &le):
		return &NotWritableError{Dir: dir, Err: le}
	}
	return &NotWritableError{Dir: dir, Err: err}
}
