package accesstoken

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
func Formats() []string { return []string{FormatToken, FormatCreds, FormatJSON, FormatDockerConfig} }

// Format renders t in format; host is needed by docker-config. The result
// ends with a newline.
func Format(t *token.Token, format, host string, now time.Time) (string, error) {
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
			Note        string `json:"note,omitempty"` // why it has less than the refresh margin left
		}{AccessToken: t.AccessToken, Identity: t.Identity, Source: t.Source, Universe: t.Universe, Note: t.Note}
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
		return DockerConfig(map[string]*token.Token{host: t})
	}
	return "", unknownFormat(format)
}

var errNoDockerConfigHost = errors.New("--format=docker-config needs the registry host: print-access-token --format=docker-config HOST [HOST...]")

func unknownFormat(format string) error {
	return fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats(), ", "))
}

// DockerConfig renders a docker config.json whose auths give each
// registry host oauth2accesstoken and its token: a pull secret's
// .dockerconfigjson. The result ends with a newline.
func DockerConfig(tokens map[string]*token.Token) (string, error) {
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

// Options are print-access-token's inputs.
type Options struct {
	Format string
	Hosts  []string // the registries; several only with FormatDockerConfig
	Now    func() time.Time

	// From the helper's setup (internal/app fills them):

	// Registries maps the hosts registered in the settings to their universe.
	Registries map[string]string
	// Tokens mints a token for a registry host ("" for none) of a universe
	// through the chain and cache, as the identity the settings give it.
	Tokens func(ctx context.Context, host, universe string) (*token.Token, error)
	// Identity names the identity of a host's tokens ("" for the default
	// one; nil: every host's is the default): hosts of one identity and
	// universe share one token.
	Identity func(host string) string
}

// Print writes a token in o.Format to w: for the universe of o.Hosts (the
// default one when none is given), and with FormatDockerConfig one auths
// entry per host, minting one token per universe. A docker-config document
// outlives its tokens: a note on notice says when the first expires.
// Nothing is written when it fails.
func Print(ctx context.Context, w, notice io.Writer, o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	out, tokens, err := render(ctx, o)
	if err != nil {
		return err
	}
	if o.Format == FormatDockerConfig {
		fmt.Fprintln(notice, "note: this file holds an access token; it stops working when the token expires"+expiresIn(tokens, o.Now()))
	}
	_, err = io.WriteString(w, out)
	return err
}

// expiresIn says when the first of tokens expires.
func expiresIn(tokens []*token.Token, now time.Time) string {
	var first time.Time
	for _, t := range tokens {
		if !t.Expiry.IsZero() && (first.IsZero() || t.Expiry.Before(first)) {
			first = t.Expiry
		}
	}
	if first.IsZero() {
		return ""
	}
	return " (in " + first.Sub(now).Round(time.Minute).String() + ")"
}

// render returns the output and the tokens it holds.
func render(ctx context.Context, o Options) (string, []*token.Token, error) {
	if !slices.Contains(Formats(), o.Format) {
		return "", nil, unknownFormat(o.Format)
	}
	if len(o.Hosts) > 1 && o.Format != FormatDockerConfig {
		return "", nil, fmt.Errorf("%d hosts given; --format=%s prints one token: give at most one HOST, or --format=docker-config for an auths JSON with each", len(o.Hosts), o.Format)
	}
	if len(o.Hosts) == 0 && o.Format == FormatDockerConfig {
		return "", nil, errNoDockerConfigHost
	}
	universes := make(map[string]string, len(o.Hosts)) // host -> universe
	for _, host := range o.Hosts {
		u, ok := "", false
		if h, err := registry.NormalizeHost(host); err == nil {
			u, ok = registry.Lookup(h, o.Registries)
		}
		if !ok {
			return "", nil, fmt.Errorf("%s is not a Google registry; a Google token is only printed for %s or a host registered with `configure-docker --allow-custom-host`", host, registry.Names())
		}
		universes[host] = u
	}
	minted := map[string]*token.Token{} // identity and universe -> token
	mint := func(host, universe string) (*token.Token, error) {
		id := ""
		if o.Identity != nil && host != "" {
			id = o.Identity(host)
		}
		if t, ok := minted[id+"\x00"+universe]; ok {
			return t, nil
		}
		t, err := o.Tokens(ctx, host, universe)
		if err == nil {
			minted[id+"\x00"+universe] = t
		}
		return t, err
	}
	var used []*token.Token
	if o.Format == FormatDockerConfig {
		byHost := make(map[string]*token.Token, len(o.Hosts))
		for _, host := range o.Hosts {
			t, err := mint(host, universes[host])
			if err != nil {
				return "", nil, err
			}
			byHost[host] = t
		}
		for _, t := range minted {
			used = append(used, t)
		}
		out, err := DockerConfig(byHost)
		return out, used, err
	}
	host, universe := "", ""
	if len(o.Hosts) == 1 {
		host = o.Hosts[0]
		universe = universes[host]
	}
	t, err := mint(host, universe)
	if err != nil {
		return "", nil, err
	}
	out, err := Format(t, o.Format, "", o.Now())
	return out, []*token.Token{t}, err
}
