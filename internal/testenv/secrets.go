package testenv

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// Scan finds secrets in what a test sees: those its sources issued (a
// fake's Secrets method, asked at each look, as the fake issues more) and
// those the test added. Strings shorter than 8 bytes are not looked for.
type Scan struct {
	mu      sync.Mutex
	sources []func() []string
	added   []string
}

// NewScan looks for the secrets of sources.
func NewScan(sources ...func() []string) *Scan { return &Scan{sources: sources} }

// Add adds secrets the test made up (stored passwords, a stand-in's tokens).
func (s *Scan) Add(secrets ...string) {
	s.mu.Lock()
	s.added = append(s.added, secrets...)
	s.mu.Unlock()
}

// All is every secret looked for.
func (s *Scan) All() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []string
	for _, src := range s.sources {
		all = append(all, src()...)
	}
	return append(all, s.added...)
}

// Find describes each secret in text (its first characters and length);
// nil when none is.
func (s *Scan) Find(text string) []string {
	var found []string
	for _, secret := range s.All() {
		if len(secret) >= 8 && strings.Contains(text, secret) {
			found = append(found, fmt.Sprintf("%.8s… (%d chars)", secret, len(secret)))
		}
	}
	return found
}

// Check fails t for each secret in text, saying what text is; it returns
// the number of hits.
func (s *Scan) Check(t testing.TB, what, text string) int {
	t.Helper()
	found := s.Find(text)
	for _, f := range found {
		t.Errorf("%s leaks a secret: %s", what, f)
	}
	return len(found)
}

// CheckFile is Check of the file at path; a missing file holds nothing.
func (s *Scan) CheckFile(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return s.Check(t, path, string(b))
}
