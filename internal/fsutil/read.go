package fsutil

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ReadRegular returns the contents of the file at path when it is a regular
// file of at most max bytes. Anything else is refused at once, before a byte
// is read: a FIFO nobody writes (it is opened without blocking), a device
// such as /dev/zero, a directory, a socket. A larger file is refused after
// reading at most max+1 bytes. A symlink is followed. An error from opening
// the file is returned as is, so that errors.Is(err, fs.ErrNotExist) works.
func ReadRegular(path string, max int64) ([]byte, error) {
	return readRegular(path, max, nil)
}

// readRegular is ReadRegular with check run on what the opened file is
// (fstat, not a second lookup of path) before anything is read.
func readRegular(path string, max int64, check func(fs.FileInfo) error) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: it is %s, not a regular file; name a regular file", path, describe(fi.Mode()))
	}
	if check != nil {
		if err := check(fi); err != nil {
			return nil, err
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("read %s: larger than %d bytes; name the right file", path, max)
	}
	return b, nil
}

// describe names a file type for an error message.
func describe(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
