package redact

import (
	"bytes"
	"strings"
	"testing"
)

// TestJWTRedacted: a JWT (a CI job's or a pod's subject token, GitHub's
// request token) is a secret like an access token: String masks it
// wherever it stands, and so does the trail's logger, in a value and in an
// error.
func TestJWTRedacted(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJodHRwczovL2kiLCJzdWIiOiJzIn0.c2lnbmF0dXJlLXNlY3JldA"
	for _, in := range []string{jwt, "token " + jwt + " refused", `{"value":"` + jwt + `"}`, "unsigned " + strings.TrimSuffix(jwt, "c2lnbmF0dXJlLXNlY3JldA")} {
		if got := String(in); strings.Contains(got, "eyJpc3Mi") || strings.Contains(got, "c2lnbmF0dXJl") {
			t.Errorf("String(%q) = %q, want the JWT masked", in, got)
		}
	}
	var b bytes.Buffer
	NewLogger(&b).Info("exchange", "reason", "sts refused "+jwt, "error", errString("bad "+jwt))
	if strings.Contains(b.String(), "eyJpc3Mi") {
		t.Errorf("the trail shows a JWT: %s", b.String())
	}
	if got := String("eyJustAWord and eyJx.y"); got != "eyJustAWord and eyJx.y" {
		t.Errorf("String(words) = %q, want them kept", got)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
