package credhelper

import (
	"context"
	"errors"
	"fmt"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Username is what Google registries expect with an access token.
const Username = "oauth2accesstoken"

// TokenFunc returns an access token acceptable in universe.
type TokenFunc func(ctx context.Context, universe string) (*token.Token, error)

// Helper implements credentials.Helper for docker-credential-gcr.
type Helper struct {
	ctx    context.Context
	tokens TokenFunc
	// registries are hosts the user registered with configure-docker,
	// mapped to their universe.
	registries map[string]string
}

// New returns a helper that mints tokens with tokens. registries maps
// extra hosts the user registered to their universe domain.
func New(ctx context.Context, tokens TokenFunc, registries map[string]string) *Helper {
	return &Helper{ctx: ctx, tokens: tokens, registries: registries}
}

// Universe reports whether host (any server URL form) is served Google
// tokens, and of which universe.
func (h *Helper) Universe(serverURL string) (string, bool) {
	host, err := NormalizeHost(serverURL)
	if err != nil {
		return "", false
	}
	if u, ok := GoogleUniverse(host); ok {
		return u, true
	}
	if u, ok := h.registries[host]; ok {
		return u, true
	}
	if u, ok := h.registries[hostname(host)]; ok {
		return u, true
	}
	return "", false
}

// Get returns oauth2accesstoken and a fresh token for a Google registry,
// and not-found for any other host.
func (h *Helper) Get(serverURL string) (string, string, error) {
	universe, ok := h.Universe(serverURL)
	if !ok {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	t, err := h.tokens(h.ctx, universe)
	if err != nil {
		return "", "", err
	}
	return Username, t.AccessToken, nil
}

// errNoStorage is returned until credential storage is available.
var errNoStorage = errors.New("storing credentials is not available yet in this version of docker-credential-gcr; remove this host from credsStore/credHelpers in your Docker config or use another helper for it")

// Add keeps nothing for a Google host (its tokens are minted on demand) and
// refuses other hosts.
func (h *Helper) Add(c *credentials.Credentials) error {
	if _, ok := h.Universe(c.ServerURL); ok {
		return nil
	}
	host, err := NormalizeHost(c.ServerURL)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return fmt.Errorf("store credentials for %s: %w", host, errNoStorage)
}

// Delete has nothing to remove.
func (h *Helper) Delete(serverURL string) error {
	if _, ok := h.Universe(serverURL); ok {
		return nil
	}
	return credentials.NewErrCredentialsNotFound()
}

// List returns the stored credentials: none yet.
func (h *Helper) List() (map[string]string, error) {
	return map[string]string{}, nil
}
