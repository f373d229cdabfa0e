package fakegoogle

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// newServer starts a Server closed with the test.
func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	t.Cleanup(s.Close)
	return s
}

// token loads credentials JSON of type ct as a product would and fetches
// one token for cloud-platform.
func token(ctx context.Context, credJSON []byte, ct google.CredentialsType) (*oauth2.Token, error) {
	creds, err := google.CredentialsFromJSONWithType(ctx, credJSON, ct, cloudPlatform)
	if err != nil {
		return nil, err
	}
	return creds.TokenSource.Token()
}

// mustToken is token that fails the test on error.
func mustToken(t *testing.T, credJSON []byte, ct google.CredentialsType) *oauth2.Token {
	t.Helper()
	tok, err := token(t.Context(), credJSON, ct)
	if err != nil {
		t.Fatalf("Token(%s) error: %v", ct, err)
	}
	return tok
}

// errorCode returns the OAuth error code of a token fetch error; the jwt
// package leaves RetrieveError.ErrorCode empty, so the body is read too.
func errorCode(err error) string {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return ""
	}
	if re.ErrorCode != "" {
		return re.ErrorCode
	}
	var body struct{ Error string }
	json.Unmarshal(re.Body, &body)
	return body.Error
}

// postForm sends a form to the server, for requests no library would send.
func postForm(t *testing.T, u string, form url.Values) *http.Response {
	t.Helper()
	resp, err := http.Post(u, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}
