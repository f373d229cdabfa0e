package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// maxSymlinks bounds the symlink chain that WriteFileAtomic follows, like the
// kernel's ELOOP limit.
const maxSymlinks = 40

// WriteFileAtomic replaces path with data: a temp file in the same directory,
// write, fsync, rename over the target, fsync the directory.
//
// A symlinked path is written at its final target (the link stays a link; a
// dangling link creates its target). An existing file keeps its mode and, when
// running as root, its owner and group. A new file gets perm exactly (the
// umask does not apply); missing parent directories are created 0700.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return writeFileAtomic(path, data, perm, true)
}

// WritePrivate is WriteFileAtomic for a file that holds a secret or steers
// the helper: the result is 0600 whatever the mode of the file it replaces,
// so that a loose old file does not stay loose.
func WritePrivate(path string, data []byte) error {
	return writeFileAtomic(path, data, 0o600, false)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode, keepMode bool) (err error) {
	target, err := resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	mode := perm.Perm()
	var owner *fs.FileInfo
	switch fi, err := os.Stat(target); {
	case err == nil:
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("write %s: %s is not a regular file; move it aside and retry", path, target)
		}
		if keepMode {
			mode = fi.Mode().Perm()
		}
		owner = &fi
	case errors.Is(err, fs.ErrNotExist):
	default:
		return fmt.Errorf("write %s: %w", path, err)
	}

	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: create directory: %w; check that you can write to %s", path, err, dir)
	}
	tmp, err := os.CreateTemp(dir, tempPrefix(target)+"*")
	if err != nil {
		return fmt.Errorf("write %s: create temp file: %w; check that you can write to %s", path, err, dir)
	}
	holdTemp(tmp) // until the rename: RemoveTemps leaves a live writer's temp file alone
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: set mode: %w", path, err)
	}
	if owner != nil {
		if err := chown(tmp, *owner); err != nil {
			return fmt.Errorf("write %s: keep owner: %w", path, err)
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := renameTemp(tmp, target); err != nil {
		return fmt.Errorf("write %s: %w; check that you can write to %s", path, err, dir)
	}
	if err := syncDir(dir); err != nil {
		// The rename happened; only its durability across a crash is in doubt.
		return fmt.Errorf("write %s: sync directory %s: %w", path, dir, err)
	}
	return nil
}

// tempPrefix is how the names of target's temp files begin: ".NAME.tmp-",
// in target's directory.
func tempPrefix(target string) string {
	return "." + filepath.Base(target) + ".tmp-"
}

// resolve follows path through symlinks to the file that should be written.
// Unlike filepath.EvalSymlinks it accepts a dangling final link: writing then
// creates the link's target, as the docker CLI does.
func resolve(path string) (string, error) {
	p := path
	for range maxSymlinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
	return "", fmt.Errorf("too many levels of symbolic links from %s", path)
}

// IsNotWritable reports whether err says that a file cannot be created or
// replaced where it was asked for: permission denied, or a read-only file
// system (a read-only home or root, which binds root too).
func IsNotWritable(err error) bool {
	return errors.Is(err, fs.ErrPermission) || isReadOnlyFS(err)
}
