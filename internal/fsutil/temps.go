package fsutil

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempGrace is how long an empty temp file is taken for a writer's that has
// just created it: on unix a writer holds its temp file's lock from a
// moment after creating it, before it writes a byte.
const tempGrace = 10 * time.Second

// RemoveTemps removes the temp files (".NAME.tmp-*") that WriteFileAtomic
// left beside path's target when a writer died between creating one and
// the rename (SIGKILL, a crash, a power cut): each is a copy of the file,
// which may hold secrets. Call it holding the lock that every writer of
// path takes; it does not rely on that lock alone, though, since a writer
// may have taken another (configure-docker's lock lives in the user's cache
// dir: sudo, or another XDG_CACHE_HOME, takes a different one), or none.
//
// A temp file goes only when no running process holds it. On unix a writer
// holds an flock on its temp file from a moment after creating it until
// after the rename (holdTemp, renameTemp), and the kernel drops the flock
// when the writer dies however it dies; so a temp file whose flock can be
// taken is abandoned, except an empty one younger than tempGrace (a writer
// between creating it and locking it). A pid in the name would not do: pids
// are reused, and a writer in another pid namespace (a container sharing
// the directory) has a pid that means nothing here. On windows a file that
// a writer holds open cannot be removed, and os.Remove fails on it.
//
// It returns how many it removed; a file it cannot remove is left, and the
// first such error returned.
func RemoveTemps(path string) (int, error) {
	target, err := resolve(path)
	if err != nil {
		return 0, err
	}
	dir, prefix := filepath.Dir(target), tempPrefix(target)
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
		removed, err := removeAbandoned(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
		}
		if removed {
			n++
		}
	}
	if len(errs) > 0 {
		return n, errs[0]
	}
	return n, nil
}
