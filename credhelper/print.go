package credhelper

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Formats of print-access-token.
const (
	FormatToken        = "token"         // the token alone
	FormatCreds        = "creds"         // oauth2accesstoken:TOKEN, for crictl pull --creds
	FormatJSON         = "json"          // token, expiry, identity, for scripts
	FormatDockerConfig = "docker-config" // {"auths":{HOST:{"auth":...}}}, for a pull secret
)

// Formats lists the formats of print-access-token.
var Formats = []string{FormatToken, FormatCreds, FormatJSON, FormatDockerConfig}

// FormatAccessToken renders t in format; host is needed by docker-config.
// The result ends with a newline.
func FormatAccessToken(t *token.Token, format, host string, now time.Time) (string, error) {
	switch format {
	case FormatToken, "":
		return t.AccessToken + "\n", nil
	case FormatCreds:
		return registry.Username + ":" + t.AccessToken + "\n", nil
	case FormatJSON:
		out := struct {
			AccessToken string `json:"access_token"`
			Expiry      string `json:"expiry,omitempty"`
			ExpiresIn   int64  `json:"expires_in,omitempty"`
			Identity    string `json:"identity,omitempty"`
			Source      string `json:"source"`
			Universe    string `json:"universe_domain"`
		}{AccessToken: t.AccessToken, Identity: t.Identity, Source: t.Source, Universe: t.Universe}
		if !t.Expiry.IsZero() {
			out.Expiry = t.Expiry.UTC().Format(time.RFC3339)
			out.ExpiresIn = int64(t.Expiry.Sub(now).Seconds())
		}
		b, err := json.MarshalIndent(out, "", "  ")
		return string(b) + "\n", err
	case FormatDockerConfig:
		if host == "" {
			return "", errNoDockerConfigHost
		}
		return DockerConfigJSON(map[string]*token.Token{host: t})
	}
	return "", unknownFormat(format)
}

var errNoDockerConfigHost = errors.New("--format=docker-config needs the registry host: print-access-token --format=docker-config HOST [HOST...]")

func unknownFormat(format string) error {
	return fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
}

// DockerConfigJSON renders a docker config.json whose auths give each
// registry host oauth2accesstoken and its token: a pull secret's
// .dockerconfigjson. The result ends with a newline.
func DockerConfigJSON(tokens map[string]*token.Token) (string, error) {
	auths := make(map[string]any, len(tokens))
	for host, t := range tokens {
		h, err := registry.NormalizeHost(host)
		if err != nil {
			return "", fmt.Errorf("--format=docker-config: %w", err)
		}
		auths[h] = map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(registry.Username + ":" + t.AccessToken))}
	}
	b, err := json.MarshalIndent(map[string]any{"auths": auths}, "", "  ")
	return string(b) + "\n", err
}

// PrintOptions are print-access-token's inputs.
type PrintOptions struct {
	Format      string
	Hosts       []string // the registries; several only with FormatDockerConfig
	Impersonate string   // A,B,TARGET replaces the configured impersonation
	Now         time.Time
}

// PrintAccessToken renders a token in o.Format: for the universe of
// o.Hosts (the default one when none is given), and with
// FormatDockerConfig one auths entry per host, minting one token per
// universe. It returns the tokens it used (for their expiry).
func (s *Setup) PrintAccessToken(ctx context.Context, o PrintOptions) (string, []*token.Token, error) {
	if !slices.Contains(Formats, o.Format) {
		return "", nil, unknownFormat(o.Format)
	}
	if len(o.Hosts) > 1 && o.Format != FormatDockerConfig {
		return "", nil, fmt.Errorf("%d hosts given; --format=%s prints one token: give at most one HOST, or --format=docker-config for an auths JSON with each", len(o.Hosts), o.Format)
	}
	if len(o.Hosts) == 0 && o.Format == FormatDockerConfig {
		return "", nil, errNoDockerConfigHost
	}
	h, err := s.Helper(ctx)
	if err != nil {
		return "", nil, err
	}
	universes := make(map[string]string, len(o.Hosts)) // host -> universe
	for _, host := range o.Hosts {
		u, ok := h.Universe(host)
		if !ok {
			return "", nil, fmt.Errorf("%s is not a Google registry; a Google token is only printed for %s or a host registered with `configure-docker --allow-custom-host`", host, registry.Names())
		}
		universes[host] = u
	}
	opts, err := s.TokenOptions(o.Impersonate)
	if err != nil {
		return "", nil, err
	}
	tokens := Tokens(opts)
	minted := map[string]*token.Token{} // universe -> token
	mint := func(universe string) (*token.Token, error) {
		if t, ok := minted[universe]; ok {
			return t, nil
		}
		t, err := tokens(ctx, universe)
		if err == nil {
			minted[universe] = t
		}
		return t, err
	}
	var used []*token.Token
	if o.Format == FormatDockerConfig {
		byHost := make(map[string]*token.Token, len(o.Hosts))
		for _, host := range o.Hosts {
			t, err := mint(universes[host])
			if err != nil {
				return "", nil, err
			}
			byHost[host] = t
		}
		for _, t := range minted {
			used = append(used, t)
		}
		out, err := DockerConfigJSON(byHost)
		return out, used, err
	}
	universe := ""
	if len(o.Hosts) == 1 {
		universe = universes[o.Hosts[0]]
	}
	t, err := mint(universe)
	if err != nil {
		return "", nil, err
	}
	out, err := FormatAccessToken(t, o.Format, "", o.Now)
	return out, []*token.Token{t}, err
}
