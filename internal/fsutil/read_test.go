package fsutil

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o600)
	exact := filepath.Join(dir, "exact")
	os.WriteFile(exact, bytes.Repeat([]byte("a"), 10), 0o600)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, bytes.Repeat([]byte("a"), 11), 0o600)

	if b, err := ReadRegular(small, 10); err != nil || string(b) != "hello" {
		t.Errorf("ReadRegular(small, 10) = %q, %v, want hello", b, err)
	}
	if b, err := ReadRegular(exact, 10); err != nil || len(b) != 10 {
		t.Errorf("ReadRegular(10 bytes, 10) = %d bytes, %v, want 10", len(b), err)
	}
	if _, err := ReadRegular(big, 10); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), big) {
		t.Errorf("ReadRegular(11 bytes, 10) = %v, want ErrTooLarge naming the file", err)
	}
	if _, err := ReadRegular(filepath.Join(dir, "missing"), 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadRegular(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadRegular(dir, 10); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("ReadRegular(dir) = %v, want ErrNotRegular saying directory", err)
	}
}
