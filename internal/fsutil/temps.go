package fsutil

import (
	"os"
	"path/filepath"
	"strings"
)

// RemoveTemps removes the temp files (".NAME.tmp-*") that WriteFileAtomic
// left beside path's target when a writer died between creating one and
// the rename (SIGKILL, a crash, a power cut). Only a caller holding the lock
// that every writer of path takes may call it: a live writer's temp file
// would go too. It returns how many it removed; a file it cannot remove is
// left, and the first such error returned.
func RemoveTemps(path string) (int, error) {
	target, err := resolve(path)
	if err != nil {
		return 0, err
	}
	dir, prefix := filepath.Dir(target), "."+filepath.Base(target)+".tmp-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	if len(errs) > 0 {
		return n, errs[0]
	}
	return n, nil
}
