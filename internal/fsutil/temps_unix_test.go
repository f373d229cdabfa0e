//go:build unix && !aix

package fsutil

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRemoveTempsKeepsLiveWriters: a temp file that a running process is
// writing is not debris, even to a caller that does not share its lock
// (another lock dir, or none): RemoveTemps leaves it and the writer's
// rename succeeds. Once the writer is SIGKILLed mid-write, its temp file
// is debris and goes.
func TestRemoveTempsKeepsLiveWriters(t *testing.T) {
	target := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(target, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}

	first, stdin := startWriter(t, target)
	if n, err := RemoveTemps(target); n != 0 || err != nil {
		t.Errorf("RemoveTemps() while a writer holds its temp file = %d, %v; want 0, nil", n, err)
	}
	if got := temps(t, target); len(got) != 1 {
		t.Fatalf("temp files while the writer writes = %q, want its one", got)
	}
	stdin.Close()
	if err := first.Wait(); err != nil {
		t.Errorf("the live writer failed: %v", err)
	}
	if got := readFile(t, target); got != `{"new": true}` {
		t.Errorf("target after the live writer finished = %q, want its bytes", got)
	}

	cmd, _ := startWriter(t, target)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL mid-write
		t.Fatal(err)
	}
	cmd.Wait()
	if n, err := RemoveTemps(target); n != 1 || err != nil {
		t.Errorf("RemoveTemps() after the writer was killed = %d, %v; want 1, nil", n, err)
	}
	if got := temps(t, target); len(got) != 0 {
		t.Errorf("temp files after RemoveTemps = %q, want none", got)
	}
}
