//go:build unix

package cmd_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerboseTrailFileRefused: DOCKER_CREDENTIAL_GCR_VERBOSE=FILE appends
// only to a file that nobody else can write; a foreign-owned, group/world-
// writable or symlinked trail file is refused with one line on stderr and the
// trail goes to stderr. A new trail file is created 0600.
func TestVerboseTrailFileRefused(t *testing.T) {
	e := newEnv(t)
	target := e.write("mine.log", []byte("old\n"))
	tests := []struct {
		name    string
		plant   func(path string) error
		foreign bool
		check   string // the file whose bytes must stay "old\n"
	}{
		{name: "world-writable", plant: func(p string) error { return writeMode(p, 0o666) }},
		{name: "group-writable", plant: func(p string) error { return writeMode(p, 0o620) }},
		{name: "foreign", foreign: true, plant: func(p string) error {
			if err := writeMode(p, 0o600); err != nil {
				return err
			}
			return os.Chown(p, 65534, 65534)
		}},
		{name: "symlink", plant: func(p string) error { return os.Symlink(target, p) }, check: target},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.foreign && os.Geteuid() != 0 {
				t.Skip("only root can give a file to another user")
			}
			path := filepath.Join(e.Home, tt.name+".log")
			if err := tt.plant(path); err != nil {
				t.Fatal(err)
			}
			if tt.check == "" {
				tt.check = path
			}
			e.Vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = path
			out, stderr, err := e.run("gcr.io", "get")
			if err != nil {
				t.Fatalf("get with a refused trail file = %v, %s %s; want the trail refused, not get", err, out, stderr)
			}
			if b, _ := os.ReadFile(tt.check); string(b) != "old\n" {
				t.Errorf("trail file %s (%s) = %q, want it untouched", tt.check, tt.name, b)
			}
			var notices []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.Contains(l, path) {
					notices = append(notices, l)
				}
			}
			if len(notices) != 1 || !strings.Contains(notices[0], "writing it to stderr") {
				t.Errorf("stderr lines naming %s = %q, want one saying it is refused", path, notices)
			}
			if !strings.Contains(stderr, "token source served") {
				t.Errorf("stderr = %q, want the trail there", stderr)
			}
		})
	}
	fresh := filepath.Join(e.Home, "new.log")
	e.Vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = fresh
	if _, stderr, err := e.run("gcr.io", "get"); err != nil || strings.Contains(stderr, fresh) {
		t.Errorf("get with a new trail file = %v, %q, want it used silently", err, stderr)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new trail file = %v, %v, want mode 0600", fi, err)
	}
}

// TestGetRefusesUntrustedSettings: get names a refused settings file, an
// unknown token source, and mints nothing.
func TestGetRefusesUntrustedSettings(t *testing.T) {
	e := newEnv(t)
	cfg := e.write("shared/settings.json", []byte(`{"token_sources": ["credentials-file"]}`))
	if err := os.Chmod(cfg, 0o666); err != nil {
		t.Fatal(err)
	}
	delete(e.Vars, "DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES")
	e.Vars["DOCKER_CREDENTIAL_GCR_CONFIG"] = cfg
	out, _, err := e.run("gcr.io", "get")
	if err == nil || !strings.Contains(out, cfg) || !strings.Contains(out, "chmod") {
		t.Errorf("get with a world-writable settings file = %q, %v, want a refusal on stdout naming it and chmod", out, err)
	}
	if err := os.Chmod(cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	e.Vars["DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES"] = "bogus,credentials-file"
	out, _, err = e.run("gcr.io", "get")
	if err == nil || !strings.Contains(out, `"bogus"`) || !strings.Contains(out, "gcloud") {
		t.Errorf("get with DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES=bogus,credentials-file = %q, %v, want an error naming bogus and the valid names", out, err)
	}
	if n := e.Google.Count("token"); n != 0 {
		t.Errorf("refused settings made %d token requests, want 0", n)
	}
}

// writeMode writes "old\n" to p with mode perm, whatever the umask.
func writeMode(p string, perm os.FileMode) error {
	if err := os.WriteFile(p, []byte("old\n"), perm); err != nil {
		return err
	}
	return os.Chmod(p, perm)
}
