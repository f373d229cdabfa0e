package token

import (
	"context"
	"encoding/base64"
	"os"
	"testing"
	"time"
)

// FuzzParseCredentials: any bytes are parsed or refused, never a panic; an
// accepted file names a known type.
func FuzzParseCredentials(f *testing.F) {
	for _, s := range []string{`{"type":"service_account","client_email":"a@b"}`, `{"type":"authorized_user"}`, `{"type":"external_account","audience":"x"}`,
		base64.StdEncoding.EncodeToString([]byte(`{"type":"service_account"}`)), "", "{", "e30=", `{"type":7}`, `[]`, `{"type":"impersonated_service_account","service_account_impersonation_url":"https://x/serviceAccounts/a@b:generateAccessToken"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		data, info, err := ParseCredentials(raw)
		if err != nil {
			return
		}
		if info == nil || len(data) == 0 || info.identity() == "" && info.Type == "" {
			t.Fatalf("ParseCredentials(%q) accepted without an identity", raw)
		}
		_ = checkCredentialURLs(data)
	})
}

// FuzzCacheFile: whatever a cache file holds, load never panics and never
// returns an expired or empty token.
func FuzzCacheFile(f *testing.F) {
	for _, s := range []string{`{"version":1,"access_token":"t","expiry":"2999-01-01T00:00:00Z","source":"s","universe":"u"}`,
		`{"version":1,"access_token":"t","expiry":"2000-01-01T00:00:00Z"}`, `{"version":2}`, "", "{", `{"version":1,"access_token":"","expiry":"2999-01-01T00:00:00Z"}`} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &Cache{Dir: dir}
		if err := os.WriteFile(c.path("k"), b, 0o600); err != nil {
			t.Fatal(err)
		}
		tok := c.load("k", 0)
		if tok != nil && (tok.AccessToken == "" || !tok.Expiry.After(time.Now())) {
			t.Fatalf("load returned an unusable token from %q", b)
		}
		_, _ = c.token(context.Background(), "k", func(context.Context) (*Token, error) {
			return &Token{AccessToken: "fresh", Expiry: time.Now().Add(time.Hour)}, nil
		}, discard)
	})
}
