package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The file-trust rule, one for every file the helper trusts. A file that
// holds a secret (a cached token, the fallback credential store) is trusted
// only when it is private: a regular file of the user alone. A file that
// steers the helper (the settings file, the verbose trail) is trusted only
// when nobody else can change it: owned by the user or root, not writable by
// group or others. A directory that holds locks or cached tokens is private:
// the user's, closed to everyone else. What "owned", "root" and "others" mean
// is the OS's business: trust_unix.go checks the owner uid and the mode bits;
// trust_windows.go the owner SID and the DACL (Go's mode bits there are
// synthetic: 0666, or 0444 when read-only, whatever the ACL says), with
// SYSTEM and Administrators in root's place; trust_other.go (plan9, js,
// wasip1) checks nothing.

// ErrUntrusted is matched (errors.Is) by every *UntrustedError.
var ErrUntrusted = errors.New("file not trusted")

// UntrustedError says why the file or directory at Path is not trusted and
// what the user can do about it.
type UntrustedError struct {
	Path   string
	Reason string // e.g. "is writable by group or others (mode 0666)"
	Fix    string // e.g. "run `chmod 600 PATH`"
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("%s %s; %s", e.Path, e.Reason, e.Fix)
}

// Is makes errors.Is(err, ErrUntrusted) true.
func (e *UntrustedError) Is(target error) bool { return target == ErrUntrusted }

// CheckPrivate checks the rule for a file that holds a secret: fi (from
// os.Lstat, or from Stat of an open file) is a regular file owned by the
// effective user that neither group nor others may read, write or run. The
// error is an *UntrustedError naming path and the fix.
func CheckPrivate(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &UntrustedError{Path: path, Reason: "is " + describe(fi.Mode()) + ", not a regular file", Fix: "remove it"}
	}
	if err := checkOwner(path, fi, false); err != nil {
		return err
	}
	return checkPerm(path, fi, 0o077)
}

// CheckNotWritableByOthers checks the rule for a file that steers the
// helper: fi is a regular file owned by the effective user or by root, and
// neither group nor others may write it. Others may read it.
func CheckNotWritableByOthers(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &UntrustedError{Path: path, Reason: "is " + describe(fi.Mode()) + ", not a regular file", Fix: "remove it or name a regular file"}
	}
	if err := checkOwner(path, fi, true); err != nil {
		return err
	}
	return checkPerm(path, fi, 0o022)
}

// EnsurePrivateDir makes path a private directory: it creates it (and
// missing parents) 0700, refuses one that is not a directory or belongs to
// someone else, and closes one of the user's own that group or others may
// enter (closeDir: chmod 0700 on unix; on Windows, where the helper sets no
// ACL, it refuses one that others may write). A symlink to such a directory
// is accepted.
func EnsurePrivateDir(path string) error {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &UntrustedError{Path: path, Reason: "is " + describe(fi.Mode()) + ", not a directory", Fix: "remove it"}
	}
	if err := checkOwner(path, fi, false); err != nil {
		return err
	}
	if checkPerm(path, fi, 0o077) != nil {
		return closeDir(path, fi)
	}
	return nil
}

// ReadPrivate is ReadRegular for a file that holds a secret: the file it
// opened must pass CheckPrivate, else nothing is read.
func ReadPrivate(path string, max int64) ([]byte, error) {
	return readRegular(path, max, func(fi fs.FileInfo) error { return CheckPrivate(path, fi) })
}

// ReadNotWritableByOthers is ReadRegular for a file that steers the helper:
// the file it opened must pass CheckNotWritableByOthers, else nothing is read.
func ReadNotWritableByOthers(path string, max int64) ([]byte, error) {
	return readRegular(path, max, func(fi fs.FileInfo) error { return CheckNotWritableByOthers(path, fi) })
}

// OpenAppend opens the file at path for appending a log to it: a new file
// is created 0600; an existing one must not be a symlink and must pass
// CheckNotWritableByOthers (a FIFO or a device is refused without blocking).
func OpenAppend(path string) (*os.File, error) {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &UntrustedError{Path: path, Reason: "is a symbolic link", Fix: "name the file itself"}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|openNoFollow|openNonblock, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = CheckNotWritableByOthers(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
