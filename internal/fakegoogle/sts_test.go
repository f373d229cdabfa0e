package fakegoogle

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"

	"golang.org/x/oauth2/google"
)

func TestExternalAccount(t *testing.T) {
	s := newServer(t, Options{})
	const email = "ci@fake-project.iam.gserviceaccount.com"
	cred, err := s.NewExternalAccount(email, t.TempDir())
	if err != nil {
		t.Fatalf("NewExternalAccount: %v", err)
	}
	tok := mustToken(t, cred, google.ExternalAccount)
	if got, ok := s.Principal(tok.AccessToken); !ok || got != email {
		t.Errorf("Principal(STS token) = %q, %v, want %q, true", got, ok, email)
	}
	if got := s.Count("sts"); got != 1 {
		t.Errorf("Count(sts) = %d, want 1", got)
	}

	var f struct {
		TokenURL         string `json:"token_url"`
		Audience         string
		CredentialSource struct{ File string } `json:"credential_source"`
	}
	json.Unmarshal(cred, &f)
	if f.TokenURL != s.URL+"/v1/token" {
		t.Errorf("NewExternalAccount() token_url = %q, want %q", f.TokenURL, s.URL+"/v1/token")
	}
	subject, err := os.ReadFile(f.CredentialSource.File)
	if err != nil {
		t.Fatalf("read subject token: %v", err)
	}
	exchange := url.Values{
		"grant_type":           {tokenExchange},
		"requested_token_type": {accessTokenType},
		"subject_token_type":   {jwtTokenType},
		"subject_token":        {string(subject)},
		"audience":             {f.Audience},
		"scope":                {cloudPlatform},
	}
	tests := []struct {
		name, field, value string
		want               string
	}{
		{"forged subject token", "subject_token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "invalid_grant"},
		{"other audience", "audience", "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q", "invalid_target"},
		{"no scope", "scope", "", "invalid_scope"},
		{"wrong grant", "grant_type", "refresh_token", "unsupported_grant_type"},
	}
	for _, tt := range tests {
		form := url.Values{}
		for k, v := range exchange {
			form[k] = v
		}
		form.Set(tt.field, tt.value)
		resp := postForm(t, s.URL+"/v1/token", form)
		var body struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&body)
		if resp.StatusCode != http.StatusBadRequest || body.Error != tt.want {
			t.Errorf("STS exchange with %s = %d %q, want 400 %q", tt.name, resp.StatusCode, body.Error, tt.want)
		}
	}
}
