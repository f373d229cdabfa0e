package token

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// answering is a transport that answers every request with status and
// body.
type answering struct {
	status int
	body   string
}

func (a answering) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(a.body)), Request: req}, nil
}

// failing is a transport whose every request fails.
type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

// TestIAMAnswerShownSafely: what IAM Credentials says when it refuses an
// impersonation reaches docker's one-line error as STS's refusals do: no
// line break, no control character, nothing shaped like a token or a JWT
// (a server or a proxy may echo what it was sent); a status that is not
// one is left out; an answer over 1 MiB is refused, not cut; a transport
// error does not repeat the endpoint's URL (its user information).
func TestIAMAnswerShownSafely(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	tests := []struct {
		name string
		rt   http.RoundTripper
		want string
	}{
		{"refusal", answering{http.StatusForbidden, `{"error":{"code":403,"status":"PERMISSION_DENIED",
			"message":"denied\nto Bearer ya29.SECRET-ONE\u0007 with ` + jwt + `"}}`}, "PERMISSION_DENIED"},
		{"odd status", answering{http.StatusForbidden, `{"error":{"status":"X\nya29.SECRET-TWO","message":"m"}}`}, "HTTP 403: m"},
		{"huge answer", answering{http.StatusOK, `{"accessToken":"ya29.SECRET-THREE","x":"` + strings.Repeat("a", maxAnswer) + `"}`}, "over"},
		{"transport", failing{}, "connection refused"},
	}
	for _, tt := range tests {
		o := Options{IAMEndpoint: "https://user-SECRET:pw-SECRET@iam.corp.example", AllowCustomURLs: true,
			Impersonate: []string{"target@p.iam.gserviceaccount.com"}, HTTPClient: &http.Client{Transport: tt.rt}}
		c := chainOf(t, o, universeStub{universe: DefaultUniverse})
		_, err := c.Token(context.Background(), "")
		if err == nil {
			t.Fatalf("%s: Token() = nil error", tt.name)
		}
		msg := err.Error()
		line := msg[strings.Index(msg, "impersonate "):]
		line, _, _ = strings.Cut(line, "\nnext step:")
		if !strings.Contains(line, tt.want) || strings.ContainsAny(line, "\n\a") || strings.Contains(line, "SECRET") || strings.Contains(line, "eyJ") {
			t.Errorf("%s: Token() error line = %q; want %q in one line with no secret, no JWT", tt.name, line, tt.want)
		}
	}
}
