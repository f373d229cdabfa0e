//go:build unix

package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// chown gives f the owner and group of the file described by fi. Only root
// may give a file away, and only root needs to: anyone else creates files
// that they already own.
func chown(f *os.File, fi fs.FileInfo) error {
	if os.Geteuid() != 0 {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func isReadOnlyFS(err error) bool { return errors.Is(err, syscall.EROFS) }
