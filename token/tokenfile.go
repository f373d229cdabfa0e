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

func (s tokenFile) resolve(_ context.Context, o *Options) (*candidate, error) {
	if s.path == "" {
		return nil, notConfigured("%s is not set", "CLOUDSDK_AUTH_ACCESS_TOKEN_FILE")
	}
	return &candidate{
		identity: "token file " + s.path,
		universe: defaultUniverse(o),
		fetch: func(ctx context.Context) (*Token, error) {
			b, err := readFile(ctx, s.path)
			if err != nil {
				return nil, fmt.Errorf("read access token file: %w", err)
			}
			tok := strings.TrimSpace(string(b))
			if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
				return nil, fmt.Errorf("access token file %s must hold one token on one line", s.path)
			}
			return &Token{AccessToken: tok}, nil
		},
	}, nil
}

func defaultUniverse(o *Options) string {
	if o.DefaultUniverse != "" {
		return o.DefaultUniverse
	}
	return DefaultUniverse
}
