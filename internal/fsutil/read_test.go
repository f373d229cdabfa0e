package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegular(small, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("ReadRegular(10 bytes, max 10) = %q, %v, want the bytes", b, err)
	}
	if b, err := ReadRegular(small, 9); err == nil || !strings.Contains(err.Error(), "larger than 9 bytes") {
		t.Errorf("ReadRegular(10 bytes, max 9) = %q, %v, want a size error", b, err)
	}
	if _, err := ReadRegular(filepath.Join(dir, "missing"), 10); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadRegular(missing) = %v, want fs.ErrNotExist", err)
	}
	if _, err := ReadRegular(dir, 10); err == nil || !strings.Contains(err.Error(), "a directory, not a regular file") {
		t.Errorf("ReadRegular(dir) = %v, want a not-a-regular-file error", err)
	}
}

// TestReadRegularSpecialFiles: a device and a FIFO nobody writes are refused
// at once, not read until memory runs out or forever.
func TestReadRegularSpecialFiles(t *testing.T) {
	skipOnWindows(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, path := range []string{"/dev/zero", fifo} {
		if _, err := os.Stat(path); err != nil {
			t.Logf("skip %s: %v", path, err)
			continue
		}
		done := make(chan error, 1)
		go func() { _, err := ReadRegular(path, 1<<20); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("ReadRegular(%s) = %v, want a not-a-regular-file error", path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("ReadRegular(%s) still blocked after 5s, want a refusal at once", path)
		}
	}
}
