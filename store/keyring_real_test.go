//go:build linux

package store

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealKeyring runs the round trip against gnome-keyring's Secret
// Service in a private D-Bus session: the child re-runs this test binary.
func TestRealKeyring(t *testing.T) {
	if os.Getenv("STORE_REAL_KEYRING_CHILD") == "1" {
		realKeyringChild(t)
		return
	}
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon", "secret-tool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (run `make deps` or apt-get install dbus gnome-keyring libsecret-tools): %v", tool, err)
		}
	}
	home := t.TempDir()
	script := `echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec "$0" -test.run='^TestRealKeyring$' -test.v`
	c := exec.Command("dbus-run-session", "--", "sh", "-c", script, os.Args[0])
	c.Env = append(os.Environ(), "STORE_REAL_KEYRING_CHILD=1", "HOME="+home, "XDG_DATA_HOME="+filepath.Join(home, "data"),
		"XDG_RUNTIME_DIR="+filepath.Join(home, "run"), "STORE_TEST_DIR="+filepath.Join(home, "cfg"))
	os.MkdirAll(filepath.Join(home, "run"), 0o700)
	out, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "real keyring ok") {
		t.Fatalf("real keyring child: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(filepath.Join(home, "cfg", "keyring-index.json"))
	if strings.Contains(string(b), "s3cret") {
		t.Errorf("index file holds the secret")
	}
	if _, err := os.Stat(filepath.Join(home, "cfg", "credentials.json")); err == nil {
		t.Errorf("the fallback file was written although a keyring was reachable")
	}
}

func realKeyringChild(t *testing.T) {
	dir := os.Getenv("STORE_TEST_DIR")
	s, err := Open(Options{Dir: dir, Getenv: os.Getenv, Notice: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, s)
	if err := s.Put("myreg.ncr.fin-ntruss.com", &Credential{Username: "ACCESSKEY", Secret: "s3cret", StoredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("secret-tool", "search", "service", Service, "username", "myreg.ncr.fin-ntruss.com").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "s3cret") {
		t.Fatalf("secret-tool search = %s, %v, want the stored item", out, err)
	}
	// Multi-byte characters across the chunk boundaries come back whole.
	text := strings.Repeat("a", chunkSize-1) + strings.Repeat("é€😀", 800)
	if err := s.Put("registry.example.com", &Credential{Username: "u", Secret: text, StoredAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Get("registry.example.com"); err != nil || c.Secret != text {
		t.Errorf("Get() of a multi-byte secret over %d bytes: %v, intact %v", len(text), err, err == nil && c.Secret == text)
	}
	if t.Failed() {
		return
	}
	os.Stdout.WriteString("real keyring ok\n")
}
