//go:build unix

package settings

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// TestLoadRefusesUntrustedSettings: a settings file that someone else owns
// or may write (it can choose the token sources, the IAM endpoint...) is
// refused with an error naming the file and the fix.
func TestLoadRefusesUntrustedSettings(t *testing.T) {
	planted := `{"iam_endpoint": "https://attacker.example", "token_sources": ["metadata"]}`
	tests := []struct {
		name    string
		perm    os.FileMode
		foreign bool
		want    []string // "" parts: accepted
	}{
		{name: "0600 mine", perm: 0o600},
		{name: "0644 mine", perm: 0o644},
		{name: "0666 mine", perm: 0o666, want: []string{"writable by group or others", "chmod"}},
		{name: "0620 mine", perm: 0o620, want: []string{"writable by group or others", "chmod"}},
		{name: "0600 foreign", perm: 0o600, foreign: true, want: []string{"belongs to uid 65534", "remove it", "chown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			testenv.WriteFile(t, path, []byte(planted), tt.perm)
			if tt.foreign {
				if os.Geteuid() != 0 {
					t.Skip("only root can give a file to another user")
				}
				if err := os.Chown(path, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Load(path)
			if tt.want == nil {
				if err != nil || s.IAMEndpoint == "" {
					t.Errorf("Load(%s) = %+v, %v, want it read", tt.name, s, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load(%s) = %+v, nil error, want a refusal", tt.name, s)
			}
			for _, w := range append(tt.want, path) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%s) = %v, want it to contain %q", tt.name, err, w)
				}
			}
			if strings.Contains(err.Error(), "attacker") {
				t.Errorf("Load(%s) = %v, want no content of the file in the error", tt.name, err)
			}
		})
	}
}

// TestLoadRefusesSpecialFiles: a FIFO nobody writes, /dev/zero or a huge
// file as the settings file is refused at once, within a bounded read.
func TestLoadRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.json")
	testenv.WriteFile(t, huge, []byte("{}"+strings.Repeat(" ", 1<<20)), 0o600)
	for name, path := range map[string]string{"fifo": fifo, "devzero": "/dev/zero", "huge": huge} {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, err := Load(path); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), path) {
					t.Errorf("Load(%s) = %v, want an error naming it", path, err)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("Load(%s) still running after 5s, want a refusal at once", path)
			}
		})
	}
}

// TestConfigWritesPrivate: config leaves the settings file 0600, even when
// it was 0644 before.
func TestConfigWritesPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	testenv.WriteFile(t, path, []byte("{}\n"), 0o644)
	set := func(f string) bool { return f == "metadata-account" }
	if _, err := Update(path, false, Edit{Set: set, MetadataAccount: "sa@p.iam.gserviceaccount.com"}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s after config = %v, %v, want 0600", path, fi.Mode().Perm(), err)
	}
}
