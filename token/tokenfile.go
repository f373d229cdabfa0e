package token

import (
	"context"
	"fmt"
	"strings"
)

// tokenFile serves a bare access token from a file, as gcloud's
// CLOUDSDK_AUTH_ACCESS_TOKEN_FILE does. Its expiry is unknown.
type tokenFile struct{ path string }

func (s tokenFile) name() string { return SourceTokenFile }

func (s tokenFile) resolve(_ context.Context, o *Options, _ string) (*configured, error) {
	if s.path == "" {
		return nil, notConfigured("%s is not set", "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE")
	}
	return &configured{
		tokenSource: s,
		name:        SourceTokenFile,
		identity:    "token file " + s.path,
		universe:    o.universeDomain(),
		// Reading the file is what a cache would save, and what decides
		// its principal is the token itself.
		noCache: true,
	}, nil
}

// Token reads the file: a token whose expiry is unknown.
func (s tokenFile) Token(ctx context.Context) (*Token, error) {
	b, err := readFile(ctx, s.path)
	if err != nil {
		return nil, fmt.Errorf("read access token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return nil, fmt.Errorf("access token file %s must hold one token on one line", s.path)
	}
	return &Token{AccessToken: tok}, nil
}
