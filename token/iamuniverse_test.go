package token

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// hostRecorder answers every request with a generateAccessToken answer and
// records the hosts asked.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (r *hostRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, req.URL.Host)
	r.mu.Unlock()
	body := `{"accessToken":"ya29.impersonated","expireTime":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// universeStub yields a token of its universe.
type universeStub struct{ universe string }

func (universeStub) name() string { return "stub" }

func (s universeStub) resolve(context.Context, *Options, string) (*configured, error) {
	return &configured{name: "stub", identity: "base@p.iam.gserviceaccount.com", universe: s.universe,
		tokenSource: tokenFunc(func(context.Context) (*Token, error) {
			return &Token{AccessToken: "ya29.base-" + s.universe, Expiry: time.Now().Add(time.Hour), Universe: s.universe}, nil
		})}, nil
}

// TestIAMEndpointStaysInItsUniverse: the iam_endpoint setting (a regional or
// Private Service Connect endpoint) is of one universe, and it receives the
// base credential's bearer token. A credential of another universe (an
// S3NS key beside a googleapis.com endpoint, a per-registry identity, a
// pod of an S3NS provider) is impersonated at its own universe's IAM
// Credentials, never there: a token of one universe never goes to
// another's endpoints.
func TestIAMEndpointStaysInItsUniverse(t *testing.T) {
	tests := []struct {
		endpoint, universe, want string
		custom                   bool
	}{
		{"https://iamcredentials-myendpoint.p.googleapis.com", "s3nsapis.fr", "iamcredentials.s3nsapis.fr", false},
		{"https://iamcredentials.s3nsapis.fr", DefaultUniverse, "iamcredentials.googleapis.com", false},
		{"https://iamcredentials.us-east1.rep.googleapis.com", DefaultUniverse, "iamcredentials.us-east1.rep.googleapis.com", false},
		{"https://iamcredentials-myendpoint.p.googleapis.com/", DefaultUniverse, "iamcredentials-myendpoint.p.googleapis.com", false},
		// A custom endpoint is the user's explicit choice (the opt-in).
		{"https://iam-proxy.corp.example", "s3nsapis.fr", "iam-proxy.corp.example", true},
	}
	for _, tt := range tests {
		rec := &hostRecorder{}
		o := Options{IAMEndpoint: tt.endpoint, AllowCustomURLs: tt.custom, Impersonate: []string{"target@p.iam.gserviceaccount.com"},
			HTTPClient: &http.Client{Transport: rec}}
		c := chainOf(t, o, universeStub{universe: tt.universe})
		if _, err := c.Token(context.Background(), tt.universe); err != nil {
			t.Fatalf("iam_endpoint %s, a %s credential: Token() = %v", tt.endpoint, tt.universe, err)
		}
		if len(rec.hosts) != 1 || rec.hosts[0] != tt.want {
			t.Errorf("iam_endpoint %s, a %s credential: asked %v, want [%s]", tt.endpoint, tt.universe, rec.hosts, tt.want)
		}
	}
}
