//go:build unix

package fsutil

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openNoFollow makes opening a symlink fail (ELOOP) instead of following it.
const openNoFollow = syscall.O_NOFOLLOW

// checkOwner refuses fi unless the effective user owns it (or, with
// allowRoot, root does).
func checkOwner(path string, fi fs.FileInfo, allowRoot bool) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &UntrustedError{Path: path, Reason: "has no known owner", Fix: "name a file on a local file system"}
	}
	uid, me := int(st.Uid), os.Geteuid()
	if uid == me || allowRoot && uid == 0 {
		return nil
	}
	return &UntrustedError{
		Path:   path,
		Reason: fmt.Sprintf("belongs to uid %d, not to you (uid %d)", uid, me),
		Fix:    fmt.Sprintf("remove it, or if you trust its content run `sudo chown %d %s`", me, path),
	}
}

// checkPerm refuses fi when its mode grants any of the bits in deny: 0o077
// (private) or 0o022 (not writable by others).
func checkPerm(path string, fi fs.FileInfo, deny fs.FileMode) error {
	perm := fi.Mode().Perm()
	if perm&deny == 0 {
		return nil
	}
	reason, fix := "is writable by group or others", "run `chmod go-w "+path+"` (or chmod 600)"
	if deny&0o044 != 0 {
		reason, fix = "is readable or writable by group or others", "run `chmod 600 "+path+"`"
	}
	return &UntrustedError{Path: path, Reason: fmt.Sprintf("%s (mode %#o)", reason, perm), Fix: fix}
}

// closeDir closes a directory of the user's to group and others.
func closeDir(path string, _ fs.FileInfo) error {
	if err := os.Chmod(path, 0o700); err != nil {
		return fmt.Errorf("close directory %s to others: %w", path, err)
	}
	return nil
}
