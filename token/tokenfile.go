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
	tok, err := fileToken(string(b))
	if err != nil {
		return nil, fmt.Errorf("access token file %s: %w", s.path, err)
	}
	return &Token{AccessToken: tok}, nil
}

// fileToken is the access token a token file holds (its text: readFile
// drops a byte order mark). Surrounding whitespace and the line ending are
// dropped, as gcloud does; anything else that is no part of a token is
// refused with what to fix rather than guessed at: the token must be what
// `gcloud auth print-access-token` prints. No error shows the token.
func fileToken(content string) (string, error) {
	tok := strings.TrimSpace(content)
	const fix = "write only the token, as `gcloud auth print-access-token > FILE` does"
	switch {
	case tok == "":
		return "", fmt.Errorf("it is empty; %s", fix)
	case strings.HasPrefix(tok, "{"):
		return "", fmt.Errorf("it holds JSON, not a bare token; %s", fix)
	case len(tok) >= 2 && (tok[0] == '"' || tok[0] == '\'') && tok[len(tok)-1] == tok[0]:
		return "", fmt.Errorf("the token is in quotes; save it without them")
	case len(tok) > 7 && strings.EqualFold(tok[:7], "Bearer "):
		return "", fmt.Errorf("it starts with \"Bearer \"; %s", fix)
	case strings.ContainsAny(tok, "\r\n"):
		lines := strings.FieldsFunc(tok, func(r rune) bool { return r == '\r' || r == '\n' })
		return "", fmt.Errorf("it holds %d lines; %s", len(lines), fix)
	}
	if err := checkAccessToken(tok); err != nil {
		return "", fmt.Errorf("%w; %s", err, fix)
	}
	return tok, nil
}
