package fsutil

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// childWriterEnv makes the test binary a writer of the file at that path
// caught mid-write: it creates and fills its temp file as WriteFileAtomic
// does, prints "writing", and renames it over the file once its stdin
// closes.
const childWriterEnv = "FSUTIL_TEST_WRITE_SLOWLY"

func writeSlowly(target string) int {
	tmp, err := os.CreateTemp(filepath.Dir(target), tempPrefix(target)+"*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	holdTemp(tmp)
	if _, err := tmp.WriteString(`{"new": true}`); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("writing")
	io.Copy(io.Discard, os.Stdin)
	if err := renameTemp(tmp, target); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startWriter runs a child caught mid-write of target; closing the returned
// stdin lets it finish.
func startWriter(t *testing.T, target string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	return startChild(t, childWriterEnv+"="+target, "writing\n")
}

func temps(t *testing.T, target string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(target), tempPrefix(target)+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
