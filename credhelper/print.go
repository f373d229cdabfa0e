package credhelper

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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
		return Username + ":" + t.AccessToken + "\n", nil
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
		h, err := NormalizeHost(host)
		if err != nil || host == "" {
			return "", fmt.Errorf("--format=docker-config needs the registry host: print-access-token --format=docker-config HOST")
		}
		auth := base64.StdEncoding.EncodeToString([]byte(Username + ":" + t.AccessToken))
		b, err := json.MarshalIndent(map[string]any{"auths": map[string]any{h: map[string]string{"auth": auth}}}, "", "  ")
		return string(b) + "\n", err
	}
	return "", fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
}
