package credhelper

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Usernames of service-account keys, which outlive any token.
const (
	UsernameJSONKey       = "_json_key"
	UsernameJSONKeyBase64 = "_json_key_base64"
)

// TokenFunc returns an access token for registry host (normalised),
// acceptable in universe, as the identity the settings give that host.
type TokenFunc func(ctx context.Context, host, universe string) (*token.Token, error)

// Config is what a Helper needs.
type Config struct {
	Tokens TokenFunc
	// Registries maps extra hosts the user registered to their universe.
	Registries map[string]string
	// Store keeps what docker login stores; nil stores nothing.
	Store store.Store
	// StoreForGoogle: stored credentials of Google hosts are used (the
	// "store" token source is in the configured order).
	StoreForGoogle bool
	// DockerConfig is the docker config.json (for list); "" skips it.
	DockerConfig string
	Now          func() time.Time
}

// Helper implements credentials.Helper for docker-credential-gcr. The
// protocol's interface has no context: the helper carries the command's.
type Helper struct {
	ctx context.Context
	c   Config
}

// New returns a helper.
func New(ctx context.Context, c Config) *Helper {
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Helper{ctx: ctx, c: c}
}

// universe: a Google host on any port, or a registered host exactly as
// registered, host[:port] (registry.Lookup; the kubelet's matchImages agree).
func (h *Helper) universe(host string) (string, bool) {
	return registry.Lookup(host, h.c.Registries)
}

// Get returns, for a Google registry, a stored service-account key or a
// still-valid stored token, else oauth2accesstoken and a fresh token; for
// any other host what docker login stored, or not-found.
func (h *Helper) Get(serverURL string) (string, string, error) {
	host, err := registry.NormalizeHost(serverURL)
	if err != nil {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	universe, google := h.universe(host)
	if h.c.Store != nil && (!google || h.c.StoreForGoogle) {
		c, err := h.c.Store.Get(host)
		switch {
		case err == nil && (!google || h.usable(host, c)):
			return c.Username, keySecret(c.Username, c.Secret), nil
		case err != nil && !errors.Is(err, store.ErrNotFound) && !google:
			return "", "", err
		}
	}
	if !google {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	t, err := h.c.Tokens(h.ctx, host, universe)
	if err != nil {
		return "", "", err
	}
	return registry.Username, t.AccessToken, nil
}

// usable reports whether a stored credential of a Google host is still
// good: a key always, an access token for its 60-minute life (after that it
// is forgotten).
func (h *Helper) usable(host string, c *store.Credential) bool {
	if c.Username != registry.Username {
		return true
	}
	if h.c.Now().Sub(c.StoredAt) < registry.TokenLife {
		return true
	}
	_ = h.c.Store.Delete(host) // expired: nothing is kept beyond its life
	return false
}

// Add keeps what docker login hands over, by host, with the server URL as
// it was sent (list hands that back).
func (h *Helper) Add(c *credentials.Credentials) error {
	host, err := registry.NormalizeHost(c.ServerURL)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if h.c.Store == nil {
		if _, google := h.universe(host); google {
			return nil // tokens are minted on demand
		}
		return fmt.Errorf("store credentials for %s: no credential store is configured", host)
	}
	h.purgeExpired()
	return h.c.Store.Put(host, &store.Credential{ServerURL: strings.TrimSpace(c.ServerURL), Username: c.Username, Secret: keySecret(c.Username, c.Secret), StoredAt: h.c.Now().UTC()})
}

// keySecret is a password as a registry takes it: a service-account key
// without the byte order mark that a key file saved by Notepad ("UTF-8 with
// BOM") brings through `docker login --password-stdin < key.json`, which no
// registry parses. For _json_key_base64 the mark may be before the base64
// text (the text saved with one) or inside it: the base64 of a file that
// starts with one begins with the 4 characters that encode exactly its 3
// bytes ("77u/", "77u_" in the URL alphabet), so dropping them leaves the
// rest valid as it was. Any other username's password is kept as sent. get
// applies it too, to keys stored before store did.
func keySecret(username, secret string) string {
	switch username {
	case UsernameJSONKey:
		return strings.TrimPrefix(secret, fsutil.BOM)
	case UsernameJSONKeyBase64:
		secret = strings.TrimPrefix(secret, fsutil.BOM)
		for _, encodedBOM := range []string{"77u/", "77u_"} {
			secret = strings.TrimPrefix(secret, encodedBOM)
		}
	}
	return secret
}

// purgeExpired forgets stored access tokens of Google hosts past their
// 60-minute life, so that none is kept beyond it even if never read again.
func (h *Helper) purgeExpired() {
	m, err := h.c.Store.List()
	if err != nil {
		return
	}
	for host, e := range m {
		if _, google := h.universe(host); !google || e.Username != registry.Username {
			continue
		}
		if c, err := h.c.Store.Get(host); err == nil {
			h.usable(host, c) // deletes it when too old
		}
	}
}

// Delete forgets what was stored for a host. A Google host with nothing
// stored is already logged out (its tokens are minted on demand): that is
// success, since docker logout and oras logout erase more than once.
func (h *Helper) Delete(serverURL string) error {
	host, err := registry.NormalizeHost(serverURL)
	if err != nil {
		return credentials.NewErrCredentialsNotFound()
	}
	_, google := h.universe(host)
	err = store.ErrNotFound
	if h.c.Store != nil {
		err = h.c.Store.Delete(host)
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && google:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return credentials.NewErrCredentialsNotFound()
	}
	return err
}

// List never fails and mints no token: the stored credentials under the
// server URL each was stored with (docker's get-all-credentials asks get
// for exactly those keys), plus, as oauth2accesstoken, the Google hosts
// config.json maps to this helper in credHelpers — and, when this helper
// is the credsStore, every Google registry it serves, since regclient asks
// a credsStore only for the hosts list returns.
func (h *Helper) List() (map[string]string, error) {
	out := map[string]string{}
	for _, host := range h.servedHosts() {
		out[host] = registry.Username
	}
	if h.c.Store != nil {
		h.purgeExpired()
		if m, err := h.c.Store.List(); err == nil {
			for host, e := range m {
				delete(out, host) // what is stored wins over the served default
				key := e.ServerURL
				if key == "" {
					key = host // stored before the server URL was kept
				}
				out[key] = e.Username
			}
		}
	}
	return out, nil
}

// servedHosts are the Google hosts config.json sends to this helper.
func (h *Helper) servedHosts() []string {
	if h.c.DockerConfig == "" {
		return nil
	}
	data, err := os.ReadFile(h.c.DockerConfig)
	if err != nil {
		return nil
	}
	cfg, err := configfile.Parse(data)
	if err != nil {
		return nil
	}
	var hosts []string
	for host, helper := range cfg.CredHelpers {
		if n, err := registry.NormalizeHost(host); err == nil && helper == configfile.HelperName {
			if _, google := h.universe(n); google {
				hosts = append(hosts, host)
			}
		}
	}
	if cfg.CredsStore == configfile.HelperName {
		hosts = append(hosts, registry.Hosts()...)
		for host := range h.c.Registries {
			hosts = append(hosts, host)
		}
	}
	return hosts
}
