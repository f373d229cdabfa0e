package token

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"
)

// FuzzCacheFile: whatever a cache file holds, load never panics and never
// returns an expired or empty token.
func FuzzCacheFile(f *testing.F) {
	for _, s := range []string{`{"version":1,"access_token":"t","expiry":"2999-01-01T00:00:00Z","source":"s","universe":"u"}`,
		`{"version":1,"access_token":"t","expiry":"2000-01-01T00:00:00Z"}`, `{"version":2}`, "", "{", `{"version":1,"access_token":"","expiry":"2999-01-01T00:00:00Z"}`,
		`{"version":1,"access_token":"t","expiry":"2999-01-01T00:00:00Z","identity":"a@b","source":"s","universe":"u","version":1}`,
		`{"Version":1,"access_token":"t\u0041","expiry":"2999-01-01T00:00:00+01:00","source":"s","universe":"u","extra":[1]}`,
		`{"version":01,"access_token":"t","expiry":"2999-01-01T00:00:00Z"}`, `{"version":1,}`, `{}`,
		`{"version":1,"access_token":"t","expiry":"2999-01-01T00:05:00Z","source":"oidc","universe":"u","issued":"2999-01-01T00:00:00Z"}`,
		`{"version":1,"access_token":"t","expiry":"2999-01-01T00:05:00Z","issued":"yesterday"}`} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		// The hand-written decoder of the compact form agrees with
		// encoding/json on everything it accepts.
		if fast, ok := decodeCompactEntry(b); ok {
			var want cacheEntry
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("decodeCompactEntry accepted %q, which encoding/json refuses: %v", b, err)
			}
			if !sameEntry(fast, want) {
				t.Fatalf("decodeCompactEntry(%q) = %+v, encoding/json %+v", b, fast, want)
			}
		}
		c := testCache(dir, nil)
		if err := os.WriteFile(c.path("k"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		tok := c.load("k")
		if tok != nil && (tok.AccessToken == "" || !tok.Expiry.After(time.Now())) {
			t.Fatalf("load returned an unusable token from %q", b)
		}
		_, _ = c.wrap("k", tokenFunc(func(context.Context) (*Token, error) {
			return &Token{AccessToken: "fresh", Expiry: time.Now().Add(time.Hour)}, nil
		}), time.Time{}).Token(context.Background())
	})
}

func sameEntry(a, b cacheEntry) bool {
	return a.Version == b.Version && a.AccessToken == b.AccessToken && a.Expiry.Equal(b.Expiry) &&
		a.Identity == b.Identity && a.Source == b.Source && a.Universe == b.Universe && a.Issued.Equal(b.Issued)
}
