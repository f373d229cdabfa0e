//go:build !unix || aix

package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// holdTemp does nothing: a file that a writer holds open cannot be removed
// on windows.
func holdTemp(*os.File) {}

// renameTemp closes tmp and renames it over target (windows cannot rename
// a file that is open without FILE_SHARE_DELETE).
func renameTemp(tmp *os.File, target string) error {
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	return nil
}

// removeAbandoned removes the temp file at path; on windows that fails
// while a writer holds it open. (The moment between a writer's close and
// its rename is covered only by the lock the caller holds.)
func removeAbandoned(path string) (bool, error) {
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
