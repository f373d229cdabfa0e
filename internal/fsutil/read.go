package fsutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is matched (errors.Is) by the error ReadRegular returns for
// a FIFO, a device, a socket or a directory.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is matched (errors.Is) by the error ReadRegular returns for a
// file larger than its limit.
var ErrTooLarge = errors.New("file too large")

// ReadRegular reads the regular file at path, of at most max bytes. A file
// named by a setting or an environment variable may be anything: a FIFO
// nobody writes would hang a plain read (even its open), /dev/zero would eat
// the memory. So the file is opened without blocking (O_NONBLOCK where the
// OS has it: opening a FIFO then returns at once), refused unless fstat says
// it is a regular file, and read up to max+1 bytes to refuse a larger one.
// A symlink is followed: fstat describes the file read. The open's error is
// returned as is (errors.Is(err, fs.ErrNotExist) holds for a missing file).
func ReadRegular(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w (it is %s)", ErrNotRegular, kind(fi.Mode()))}
	}
	tooLarge := &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, max)}
	if fi.Size() > max {
		return nil, tooLarge
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, tooLarge // grew since the fstat
	}
	return b, nil
}

// kind names what a non-regular file is, for the error.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a plain file"
}
