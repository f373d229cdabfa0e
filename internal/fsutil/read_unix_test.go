//go:build unix

package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestReadRegularUnix(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("hello"), 0o600)
	link := filepath.Join(dir, "link")
	os.Symlink(small, link)
	if b, err := ReadRegular(link, 10); err != nil || string(b) != "hello" {
		t.Errorf("ReadRegular(symlink to a file) = %q, %v, want hello", b, err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		start := time.Now()
		_, err := ReadRegular(p, 1<<20)
		if !errors.Is(err, ErrNotRegular) || time.Since(start) > time.Second {
			t.Errorf("ReadRegular(%s) = %v after %s, want ErrNotRegular at once", p, err, time.Since(start))
		}
	}
}
