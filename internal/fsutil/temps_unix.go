//go:build unix && !aix

package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// holdTemp takes the flock of a temp file just created; the writer keeps
// it until renameTemp has renamed the file and closed it. A file system
// without flock leaves it unlocked: RemoveTemps then cannot lock it either,
// and keeps it.
func holdTemp(f *os.File) { _, _ = tryLock(f) }

// renameTemp renames tmp over target and then closes it: the flock stays
// held until the temp file's name is gone.
func renameTemp(tmp *os.File, target string) error {
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// removeAbandoned removes the temp file at path when no process holds its
// flock (see RemoveTemps), holding the flock itself while it checks that
// the name still names the file it locked and removes it.
func removeAbandoned(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNoFollow|openNonblock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // renamed or removed meanwhile
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	if ok, err := tryLock(f); err != nil || !ok {
		return false, nil // a live writer's, or no flock here: keep it
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return false, err
	}
	if fi.Size() == 0 && time.Since(fi.ModTime()) < tempGrace {
		return false, nil // maybe a writer between creating it and locking it
	}
	if li, err := os.Lstat(path); err != nil || !os.SameFile(fi, li) {
		return false, nil // the name now names another file
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, nil
}
