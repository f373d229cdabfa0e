package credhelper

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/credentials"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/registrytest"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/storetest"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
)

// FuzzProtocol drives get/store/erase/list with arbitrary stdin through
// Handle: no panic, the not-found text exactly the protocol's, and a minted
// Google token only ever goes to a Google host of the token's universe, by
// the documented table (registrytest), not by the helper's own decision.
func FuzzProtocol(f *testing.F) {
	for _, s := range []string{"gcr.io", "ghcr.io\n", `{"ServerURL":"x.example.com","Username":"u","Secret":"p"}`, "", "{", strings.Repeat("a", 300)} {
		for _, a := range []string{"get", "store", "erase", "list"} {
			f.Add(a, s)
		}
	}
	f.Fuzz(func(t *testing.T, action, in string) {
		m := &mint{}
		h := New(context.Background(), Config{Tokens: m.tokens, Store: storetest.NewMemory(), StoreForGoogle: true, Now: time.Now})
		var out bytes.Buffer
		err := Handle(h, action, []byte(in), &out)
		if credentials.IsErrCredentialsNotFound(err) && err.Error() != "credentials not found in native keychain" {
			t.Fatalf("%s %q: not-found text %q, want the protocol's exact words", action, in, err)
		}
		if err == nil && action == "get" && strings.Contains(out.String(), "minted-") {
			// The protocol library joins stdin's lines and trims them: the
			// answer's ServerURL is what the helper was asked about.
			var c credentials.Credentials
			if err := json.Unmarshal(out.Bytes(), &c); err != nil {
				t.Fatalf("get %q answered invalid JSON %q", in, out.String())
			}
			host, err := registry.NormalizeHost(c.ServerURL)
			if err != nil {
				t.Fatalf("get %q returned a minted token for %q, not a host: %v", in, c.ServerURL, err)
			}
			if u, google := registrytest.Google(host); !google || c.Secret != "minted-"+u {
				t.Fatalf("get %q returned %q for %q (Google: %v, universe %q)", in, c.Secret, c.ServerURL, google, u)
			}
		}
	})
}
