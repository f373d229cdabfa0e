package fakeregistry

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTokenModeCrane(t *testing.T) {
	t.Parallel()
	r := startRegistry(t, Options{Auth: goodAuth})
	ref := r.Host + "/proj/repo/img:tag"

	good := newClient(t)
	good.setAuth(r.Host, "oauth2accesstoken", "good")
	pushed := good.push(ref)
	if got := good.must("crane", "digest", ref); got != pushed {
		t.Errorf("crane digest %s = %q, want %q", ref, got, pushed)
	}
	var m struct {
		MediaType string
		Layers    []json.RawMessage
	}
	if err := json.Unmarshal([]byte(good.must("crane", "manifest", ref)), &m); err != nil || len(m.Layers) != 1 {
		t.Errorf("crane manifest %s = %+v (%v), want one layer", ref, m, err)
	}

	log := r.AuthLog()
	tokens := attempts(log, func(a AuthAttempt) bool { return a.Path == TokenPath })
	if len(tokens) == 0 {
		t.Fatalf("AuthLog() has no token request: %+v", log)
	}
	for _, a := range tokens {
		if a.Scheme != "Basic" || a.Username != "oauth2accesstoken" || !a.Accepted || a.Principal != "alice@example.com" || a.Status != 200 {
			t.Errorf("token attempt = %+v, want accepted Basic oauth2accesstoken as alice@example.com", a)
		}
	}
	bearers := attempts(log, func(a AuthAttempt) bool { return a.Scheme == "Bearer" })
	if len(bearers) == 0 {
		t.Fatalf("AuthLog() has no Bearer request: %+v", log)
	}
	for _, a := range bearers {
		if a.Principal != "alice@example.com" || !a.Accepted {
			t.Errorf("bearer attempt %s %s = principal %q accepted %v status %d, want alice@example.com accepted", a.Method, a.Path, a.Principal, a.Accepted, a.Status)
		}
	}

	t.Run("wrong password", func(t *testing.T) {
		r.ResetAuthLog()
		bad := newClient(t)
		bad.setAuth(r.Host, "oauth2accesstoken", "bad")
		out, err := bad.run("", "crane", "digest", ref)
		if err == nil || !strings.Contains(out, "DENIED") {
			t.Errorf("crane digest with a wrong password = %v, %q; want an error naming DENIED", err, out)
		}
		refused := attempts(r.AuthLog(), func(a AuthAttempt) bool {
			return a.Path == TokenPath && !a.Accepted && a.Username == "oauth2accesstoken" && a.Status == 401
		})
		if len(refused) == 0 {
			t.Errorf("AuthLog() = %+v, want a refused token attempt", r.AuthLog())
		}
	})
	t.Run("anonymous", func(t *testing.T) {
		out, err := newClient(t).run("", "crane", "digest", ref)
		if err == nil {
			t.Errorf("crane digest without credentials = %q, want an error", out)
		}
	})
}
