package store

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

// memKeyring is an in-memory keyring.Keyring; fail makes Set fail.
type memKeyring struct {
	items map[string]string
	fail  error
}

func newMemKeyring() *memKeyring { return &memKeyring{items: map[string]string{}} }

func (m *memKeyring) Set(s, u, p string) error {
	if m.fail != nil {
		return m.fail
	}
	m.items[s+"/"+u] = p
	return nil
}
func (m *memKeyring) Get(s, u string) (string, error) {
	p, ok := m.items[s+"/"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return p, nil
}
func (m *memKeyring) Delete(s, u string) error {
	if _, ok := m.items[s+"/"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.items, s+"/"+u)
	return nil
}
func (m *memKeyring) DeleteAll(string) error { m.items = map[string]string{}; return nil }

func roundTrip(t *testing.T, s Store) {
	t.Helper()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	big := strings.Repeat("k", 5000) // a base64 service-account key is ~3 KB
	for host, c := range map[string]*Credential{
		"myreg.ncr.fin-ntruss.com": {ServerURL: "https://myreg.ncr.fin-ntruss.com/v1/", Username: "ACCESSKEY", Secret: "s3cret", StoredAt: at},
		"us-docker.pkg.dev":        {Username: "_json_key_base64", Secret: big, StoredAt: at},
	} {
		if err := s.Put(host, c); err != nil {
			t.Fatalf("Put(%s) = %v", host, err)
		}
		got, err := s.Get(host)
		if err != nil || *got != *c {
			t.Fatalf("Get(%s) = %+v, %v, want %+v", host, got, err, c)
		}
	}
	// A shorter secret replaces a longer one completely.
	if err := s.Put("us-docker.pkg.dev", &Credential{Username: "_json_key", Secret: "short", StoredAt: at}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get("us-docker.pkg.dev"); got.Secret != "short" {
		t.Errorf("Get after a shorter Put = %q, want short", got.Secret)
	}
	list, err := s.List()
	want := map[string]Entry{
		"myreg.ncr.fin-ntruss.com": {ServerURL: "https://myreg.ncr.fin-ntruss.com/v1/", Username: "ACCESSKEY"},
		"us-docker.pkg.dev":        {Username: "_json_key"},
	}
	if err != nil || len(list) != len(want) {
		t.Errorf("List() = %v, %v, want %v", list, err, want)
	}
	for h, e := range want {
		if list[h] != e {
			t.Errorf("List()[%s] = %+v, want %+v", h, list[h], e)
		}
	}
	if err := s.Delete("myreg.ncr.fin-ntruss.com"); err != nil {
		t.Errorf("Delete = %v", err)
	}
	if _, err := s.Get("myreg.ncr.fin-ntruss.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete("myreg.ncr.fin-ntruss.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
}

// TestStoredBeforeServerURL: what was stored by host alone, before the
// server URL was kept, still reads, lists (under its host) and deletes.
func TestStoredBeforeServerURL(t *testing.T) {
	dir := t.TempDir()
	old := `{"myreg.example.com": {"username": "AK", "secret": "SK", "stored_at": "2026-01-02T03:04:05Z"}}`
	index := `{"myreg.example.com": {"username": "AK", "stored_at": "2026-01-02T03:04:05Z", "chunks": 1}}`
	os.WriteFile(filepath.Join(dir, "credentials.json"), []byte(old), 0o600)
	os.WriteFile(filepath.Join(dir, "keyring-index.json"), []byte(index), 0o600)
	kr := newMemKeyring()
	kr.items[Service+"/myreg.example.com"] = "SK"
	for name, s := range map[string]Store{
		"file":    NewFile(filepath.Join(dir, "credentials.json")),
		"keyring": NewKeyring(kr, filepath.Join(dir, "keyring-index.json")),
	} {
		c, err := s.Get("myreg.example.com")
		if err != nil || c.Username != "AK" || c.Secret != "SK" || c.ServerURL != "" {
			t.Errorf("%s: Get = %+v, %v, want AK/SK with no server URL", name, c, err)
		}
		if l, err := s.List(); err != nil || l["myreg.example.com"] != (Entry{Username: "AK"}) {
			t.Errorf("%s: List = %v, %v, want the host with AK", name, l, err)
		}
		if err := s.Delete("myreg.example.com"); err != nil {
			t.Errorf("%s: Delete = %v", name, err)
		}
	}
}

func TestFileStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg")
	path := filepath.Join(dir, "credentials.json")
	roundTrip(t, NewFile(path))
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("mode of %s = %v, %v, want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	// A corrupt file is a clear error, and is never silently replaced.
	os.WriteFile(path, []byte("{corrupt"), 0o600)
	s := NewFile(path)
	if _, err := s.Get("x"); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("Get on a corrupt file = %v, want a 'corrupt' error", err)
	}
	if err := s.Put("x", &Credential{Username: "u", Secret: "p"}); err == nil {
		t.Errorf("Put on a corrupt file = nil, want an error")
	}
	if b, _ := os.ReadFile(path); string(b) != "{corrupt" {
		t.Errorf("corrupt file rewritten to %q; it must be left for the user", b)
	}
}

func TestKeyringStore(t *testing.T) {
	kr := newMemKeyring()
	index := filepath.Join(t.TempDir(), "keyring-index.json")
	roundTrip(t, NewKeyring(kr, index))
	b, _ := os.ReadFile(index)
	if strings.Contains(string(b), "short") || strings.Contains(string(b), "s3cret") {
		t.Errorf("the index holds a secret: %s", b)
	}
	for k, v := range kr.items {
		if len(v) > chunkSize {
			t.Errorf("keyring item %s has %d bytes, over the %d limit", k, len(v), chunkSize)
		}
	}
}

func TestAutoFallsBackToFileOnce(t *testing.T) {
	dir := t.TempDir()
	var notice bytes.Buffer
	env := func(k string) string {
		if k == "DBUS_SESSION_BUS_ADDRESS" {
			return "unix:path=/nonexistent"
		}
		return ""
	}
	s, err := Open(Options{Dir: dir, Getenv: env, Notice: &notice})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, s)
	if n := strings.Count(notice.String(), "no OS keyring"); n != 1 {
		t.Errorf("fallback notice printed %d times, want once: %q", n, notice.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "credentials.json")); err != nil {
		t.Errorf("fallback file: %v", err)
	}
	if _, err := Open(Options{Mode: Keyring, Dir: dir, Getenv: env}); err == nil || !strings.Contains(err.Error(), "no keyring reachable") {
		t.Errorf("Open(keyring) without a bus = %v, want 'no keyring reachable'", err)
	}
}

func TestAutoKeyringErrorFallsBack(t *testing.T) {
	kr := newMemKeyring()
	kr.fail = errors.New("failed to unlock correct collection")
	var notice bytes.Buffer
	s, err := Open(Options{Dir: t.TempDir(), Keyring: kr, Notice: &notice})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put("h", &Credential{Username: "u", Secret: "p"}); err != nil {
		t.Fatalf("Put = %v, want the file fallback", err)
	}
	if c, err := s.Get("h"); err != nil || c.Secret != "p" {
		t.Errorf("Get = %v, %v", c, err)
	}
	if !strings.Contains(notice.String(), "failed to unlock") {
		t.Errorf("notice = %q, want the keyring's reason", notice.String())
	}
}

func TestNoBusStartsNoDaemon(t *testing.T) {
	before := daemons(t)
	s, err := Open(Options{Dir: t.TempDir(), Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put("h", &Credential{Username: "u", Secret: "p"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("h"); err != nil {
		t.Fatal(err)
	}
	if after := daemons(t); after > before {
		t.Errorf("dbus-daemon/gnome-keyring-daemon processes went from %d to %d, want no new daemon", before, after)
	}
}

// daemons counts the D-Bus and keyring daemons running. pgrep exits 1 when
// it counts none (and still prints 0); any other failure, or no pgrep at
// all, fails the test rather than counting 0 and passing.
func daemons(t *testing.T) int {
	t.Helper()
	if _, err := exec.LookPath("pgrep"); err != nil {
		t.Skip("SKIP: pgrep not installed (procps): cannot count daemons")
	}
	out, err := exec.Command("pgrep", "-c", "-f", "dbus-daemon|gnome-keyring-daemon|dbus-launch").Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("pgrep -c: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("pgrep -c printed %q, not a count: %v", out, err)
	}
	return n
}

// The variables the store's advice names are the ones package settings
// reads (the store cannot import settings: it sits below it).
func TestAdviceNamesSettingsVariables(t *testing.T) {
	msg := (&NotWritableError{Dir: "/d", Err: errors.New("read-only file system")}).Error()
	for _, v := range []string{settings.EnvSettingsFile + "=", settings.EnvCredentialStore + "="} {
		if !strings.Contains(msg, v) {
			t.Errorf("NotWritableError = %q, want it to name %s", msg, v)
		}
	}
}
