package token

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// TestCredentialViewSeeds: the realistic seeds of FuzzCredentialView are
// accepted and reach the library's requests (the fuzz target is not
// vacuous), and the attack seeds are refused.
func TestCredentialViewSeeds(t *testing.T) {
	subject := filepath.Join(t.TempDir(), "subject")
	os.WriteFile(subject, []byte("subject"), 0o600)
	env := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": ghaURL}
	tr := (&Options{Getenv: func(k string) string { return env[k] }}).trust()
	seeds := credentialSeeds(t, subject)
	for i, s := range seeds {
		v, err := parseCredential([]byte(s), tr)
		if i >= realisticSeeds {
			// The attacks: refused, but for the two that the filled-in
			// defaults and the re-encoding disarm.
			defused := i == realisticSeeds+3 || i == realisticSeeds+4 || i == len(seeds)-1
			if (err == nil) != defused {
				t.Errorf("seed %d (an attack): parseCredential = %v, want accepted %v", i, err, defused)
			}
			if err == nil && (strings.Contains(string(v.data), "googleapis.com") != (i == len(seeds)-1) || strings.Contains(string(v.data), "attacker")) {
				t.Errorf("seed %d (an attack) accepted as %s", i, v.data)
			}
			continue
		}
		if err != nil {
			t.Errorf("seed %d refused: %v", i, err)
			continue
		}
		rec := &recorder{}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: rec})
		creds, err := google.CredentialsFromJSONWithTypeAndParams(ctx, v.data, google.CredentialsType(v.cred.Type), google.CredentialsParams{Scopes: []string{Scope}})
		if err != nil {
			t.Errorf("seed %d: the library refuses the checked file: %v", i, err)
			continue
		}
		tok, err := creds.TokenSource.Token()
		if err != nil || tok.AccessToken != "ya29.fuzz" || len(rec.origins) == 0 {
			t.Errorf("seed %d (%s): Token() = %v, %v after requests to %v; want the recorder's token", i, v.cred.Type, tok, err, rec.origins)
		}
		t.Logf("seed %d %s: %v", i, v.cred.Type, rec.origins)
	}
}
