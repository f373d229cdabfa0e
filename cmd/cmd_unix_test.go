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
		plant   func(path string)
		foreign bool
		check   string // the file whose bytes must stay "old\n"
	}{
		{name: "world-writable", plant: func(p string) { os.WriteFile(p, []byte("old\n"), 0o666); os.Chmod(p, 0o666) }},
		{name: "group-writable", plant: func(p string) { os.WriteFile(p, []byte("old\n"), 0o620); os.Chmod(p, 0o620) }},
		{name: "foreign", foreign: true, plant: func(p string) { os.WriteFile(p, []byte("old\n"), 0o600); os.Chown(p, 65534, 65534) }},
		{name: "symlink", plant: func(p string) { os.Symlink(target, p) }, check: target},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.foreign && os.Geteuid() != 0 {
				t.Skip("only root can give a file to another user")
			}
			path := filepath.Join(e.dir, tt.name+".log")
			tt.plant(path)
			if tt.check == "" {
				tt.check = path
			}
			e.vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = path
			out, stderr, code := e.run("gcr.io", "get")
			if code != 0 {
				t.Fatalf("get with a refused trail file = exit %d, %s %s; want the trail refused, not get", code, out, stderr)
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
	fresh := filepath.Join(e.dir, "new.log")
	e.vars["DOCKER_CREDENTIAL_GCR_VERBOSE"] = fresh
	if _, stderr, code := e.run("gcr.io", "get"); code != 0 || strings.Contains(stderr, fresh) {
		t.Errorf("get with a new trail file = exit %d, %q, want it used silently", code, stderr)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new trail file = %v, %v, want mode 0600", fi, err)
	}
}

// TestGetRefusesUntrustedSettings: get names a refused settings file, an
// unknown token source, and mints nothing.
func TestGetRefusesUntrustedSettings(t *testing.T) {
	e := newEnv(t)
	cfg := e.write("shared/settings.json", []byte(`{"token_sources": ["metadata"]}`))
	os.Chmod(cfg, 0o666)
	e.vars["DOCKER_CREDENTIAL_GCR_CONFIG"] = cfg
	out, _, code := e.run("gcr.io", "get")
	if code == 0 || !strings.Contains(out, cfg) || !strings.Contains(out, "chmod") {
		t.Errorf("get with a world-writable settings file = %q, exit %d, want a refusal naming it and chmod", out, code)
	}
	os.Chmod(cfg, 0o600)
	e.vars["DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES"] = "bogus,metadata"
	out, _, code = e.run("gcr.io", "get")
	if code == 0 || !strings.Contains(out, `"bogus"`) || !strings.Contains(out, "gcloud") {
		t.Errorf("get with DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES=bogus,metadata = %q, exit %d, want an error naming bogus and the valid names", out, code)
	}
	if n := e.g.Count("metadata-token"); n != 0 {
		t.Errorf("refused settings made %d metadata token requests, want 0", n)
	}
}
