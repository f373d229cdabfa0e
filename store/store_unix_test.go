//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const plantedStore = `{"myreg.example.com": {"username": "planted", "secret": "planted-secret", "stored_at": "2026-01-01T00:00:00Z"}}`

func writeMode(t *testing.T, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

// TestFileStoreTightensLooseFile: a credentials file of the user's that
// others may read is 0600 once a secret is written into it (nobody else could
// have written it, so its content is kept).
func TestFileStoreTightensLooseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "credentials.json")
	writeMode(t, path, plantedStore, 0o644)
	s := NewFile(path)
	if err := s.Put("ghcr.io", &Credential{Username: "u", Secret: "new-secret", StoredAt: time.Now()}); err != nil {
		t.Fatalf("Put over a 0644 file of mine = %v, want nil", err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of %s after Put = %v, %v, want 0600", path, fi.Mode().Perm(), err)
	}
	if c, err := s.Get("myreg.example.com"); err != nil || c.Username != "planted" {
		t.Errorf("Get(kept entry) = %+v, %v, want the entry kept", c, err)
	}
}

// TestFileStoreRefusesUntrusted: a credentials file that others may write,
// or that belongs to someone else, is refused (never read, never written
// through, never silently replaced: it may hold someone's credentials).
func TestFileStoreRefusesUntrusted(t *testing.T) {
	tests := []struct {
		name    string
		perm    os.FileMode
		foreign bool
		want    string
	}{
		{name: "0666 mine", perm: 0o666, want: "chmod 600"},
		{name: "0620 mine", perm: 0o620, want: "chmod 600"},
		{name: "0600 foreign", perm: 0o600, foreign: true, want: "belongs to uid 65534"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "credentials.json")
			writeMode(t, path, plantedStore, tt.perm)
			if tt.foreign {
				if os.Geteuid() != 0 {
					t.Skip("only root can give a file to another user")
				}
				if err := os.Chown(path, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
			s := NewFile(path)
			c, err := s.Get("myreg.example.com")
			if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("Get(%s) = %+v, %v, want a refusal naming %s and %q", tt.name, c, err, path, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "planted-secret") {
				t.Errorf("Get(%s) error holds the secret: %v", tt.name, err)
			}
			if err := s.Put("ghcr.io", &Credential{Username: "u", Secret: "new-secret"}); err == nil {
				t.Errorf("Put(%s) = nil, want a refusal", tt.name)
			}
			if _, err := s.List(); err == nil {
				t.Errorf("List(%s) = nil error, want a refusal", tt.name)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(path)
			st := fi.Sys().(*syscall.Stat_t)
			if string(b) != plantedStore || fi.Mode().Perm() != tt.perm || tt.foreign && st.Uid != 65534 {
				t.Errorf("after Put(%s): %s is mode %v uid %d with %q, want it untouched", tt.name, path, fi.Mode().Perm(), st.Uid, b)
			}
		})
	}
}
