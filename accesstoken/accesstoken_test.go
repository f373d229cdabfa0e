package accesstoken

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// The two print-access-token formats Kubernetes users take: a crictl
// --creds line and a pull secret's .dockerconfigjson.
func TestFormatAccessTokenForKubernetes(t *testing.T) {
	tok := &token.Token{AccessToken: "ya29.abc", Expiry: time.Now().Add(time.Hour)}
	creds, err := Format(tok, FormatCreds, "", time.Now())
	if err != nil || creds != "oauth2accesstoken:ya29.abc\n" {
		t.Errorf("Format(creds) = %q, %v, want one line oauth2accesstoken:TOKEN", creds, err)
	}
	out, err := Format(tok, FormatDockerConfig, "https://US-East1-docker.pkg.dev/", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct {
			Auth string `json:"auth"`
		} `json:"auths"`
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || len(cfg.Auths) != 1 {
		t.Fatalf("Format(docker-config) = %q, %v, want one auths entry", out, err)
	}
	a, ok := cfg.Auths["us-east1-docker.pkg.dev"]
	if b, _ := base64.StdEncoding.DecodeString(a.Auth); !ok || string(b) != "oauth2accesstoken:ya29.abc" {
		t.Errorf("Format(docker-config) auths = %v, want us-east1-docker.pkg.dev: base64(oauth2accesstoken:TOKEN)", cfg.Auths)
	}
	if _, err := Format(tok, FormatDockerConfig, "", time.Now()); err == nil || !strings.Contains(err.Error(), "needs the registry host") {
		t.Errorf("Format(docker-config, no host) error = %v, want one asking for the host", err)
	}
}
