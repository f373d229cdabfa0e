package token

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// FuzzParseWorkloadProvider: no input panics; an accepted name has a
// well-formed universe and path, and its audience parses back to it.
func FuzzParseWorkloadProvider(f *testing.F) {
	const name = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github"
	for _, s := range []string{name, "//iam.googleapis.com/" + name, "//iam.s3nsapis.fr/" + name, "https://iam.googleapis.com/" + name,
		"//iam.googleapis.com:443/" + name, "//iam.evil.example/" + name, "projects/1/locations/global/workloadIdentityPools/../providers/abcd",
		"identitynamespace:proj-1.svc.id.goog:https://container.googleapis.com/v1/projects/proj-1/locations/us-east1/clusters/c1",
		"identitynamespace:proj-1.svc.id.goog:https://gkehub.googleapis.com/projects/proj-1/locations/global/memberships/m1",
		"identitynamespace:a:b:c", "//", "///", "projects//", "\x00", "//iam./" + name, "//iam.a..b/" + name} {
		f.Add(s, "")
		f.Add(s, "s3nsapis.fr")
	}
	f.Fuzz(func(t *testing.T, in, universe string) {
		p, err := ParseWorkloadProvider(in, universe)
		if err != nil {
			return
		}
		if !providerPatterns().universe.MatchString(p.Universe) || universe != "" && p.Universe != universe {
			t.Fatalf("ParseWorkloadProvider(%q, %q) accepted universe %q", in, universe, p.Universe)
		}
		aud := p.Audience()
		path := strings.TrimPrefix(aud, "//")
		switch {
		case p.IsIdentityNamespace():
			if p.Universe != DefaultUniverse || !strings.HasPrefix(p.Issuer, "https://container.googleapis.com/v1/projects/") && !strings.HasPrefix(p.Issuer, "https://gkehub.googleapis.com/projects/") {
				t.Fatalf("ParseWorkloadProvider(%q) accepted identitynamespace %+v", in, p)
			}
			path = strings.TrimPrefix(p.Issuer, "https://")
		case !strings.HasPrefix(aud, "//iam."+p.Universe+"/projects/"):
			t.Fatalf("ParseWorkloadProvider(%q).Audience() = %q", in, aud)
		}
		if strings.Contains(path, "/../") || strings.Contains(path, "/./") || strings.Contains(path, "//") || strings.HasSuffix(path, "/") || strings.ContainsAny(aud, " ?#%@\\\x00") {
			t.Fatalf("ParseWorkloadProvider(%q).Audience() = %q has a malformed path", in, aud)
		}
		if again, err := ParseWorkloadProvider(aud, ""); err != nil || again != p {
			t.Fatalf("ParseWorkloadProvider(%q): audience %q parses to %+v, %v", in, aud, again, err)
		}
		if !strings.HasPrefix(p.STSEndpoint(), "https://sts."+p.Universe+"/") {
			t.Fatalf("ParseWorkloadProvider(%q).STSEndpoint() = %q", in, p.STSEndpoint())
		}
	})
}

// FuzzReadJWT: no input panics; an accepted token has an issuer, a subject
// and an expiry after now; no error repeats a piece of the token.
func FuzzReadJWT(f *testing.F) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	h := enc(`{"alg":"RS256","kid":"k"}`)
	for _, p := range []string{
		`{"iss":"i","sub":"s","exp":4102444800}`,
		`{"iss":"i","sub":"s","exp":4102444800,"aud":["a","b"],"kubernetes.io":{"namespace":"n","serviceaccount":{"name":"a","uid":"u"},"pod":{"name":"p"}}}`,
		`{"iss":"i","sub":"s","exp":4102444800,"repository":"o/r","project_path":"g/p","aud":"a","nbf":1,"iat":1.5}`,
		`{"iss":"i","sub":"s","exp":1}`, `{"sub":"s","sub":"t"}`, `{}`, `[]`, `{"exp":1e400}`, `{"kubernetes.io":{"serviceaccount":7}}`,
	} {
		f.Add(h + "." + enc(p) + ".c2ln")
	}
	f.Add("")
	f.Add("...")
	f.Add("eyJ.eyJ.")
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := ReadJWT(tok, now)
		if err != nil {
			// The payload cannot be inside its own claims, which messages
			// may quote; header and signature could be, as claim values.
			parts := strings.Split(tok, ".")
			if len(tok) >= 12 && strings.Contains(err.Error(), tok) || len(parts) > 1 && len(parts[1]) >= 12 && strings.Contains(err.Error(), parts[1]) {
				t.Fatalf("ReadJWT error %q repeats the token or its payload", err)
			}
			return
		}
		if c.Issuer == "" || c.Subject == "" || !c.Expiry.After(now) {
			t.Fatalf("ReadJWT(%q) accepted %+v", tok, c)
		}
		_ = c.Describe()
		_ = c.Identity()
	})
}
