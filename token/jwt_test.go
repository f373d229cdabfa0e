package token

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// fedUnsigned builds a JWT-shaped token from raw header and payload JSON.
func fedUnsigned(header, payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(header)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl"
}

func fedIssuer(t *testing.T, g *fakegoogle.Server, name string) *fakegoogle.Issuer {
	t.Helper()
	iss, err := g.NewIssuer(name, fakegoogle.IssuerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func TestReadJWT(t *testing.T) {
	g := fedServer(t, fakegoogle.Options{})
	iss := fedIssuer(t, g, "cluster")
	now := time.Now()

	k8s, err := iss.KubernetesToken(fakegoogle.KubernetesServiceAccount{Namespace: "team-a", Name: "alice", UID: "uid-1", Pod: "alice-1"}, []string{"aud-1", "aud-2"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ReadJWT(k8s, now)
	if err != nil {
		t.Fatalf("ReadJWT(Kubernetes token) error = %v", err)
	}
	if c.Issuer != iss.URL || c.Subject != "system:serviceaccount:team-a:alice" || c.Namespace != "team-a" || c.ServiceAccount != "alice" ||
		c.ServiceAccountUID != "uid-1" || c.Pod != "alice-1" || strings.Join(c.Audience, ",") != "aud-1,aud-2" {
		t.Errorf("ReadJWT(Kubernetes token) = %+v, want team-a/alice (uid-1, pod alice-1) for aud-1,aud-2", c)
	}
	if d := c.Expiry.Sub(now); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("ReadJWT(Kubernetes token).Expiry = now + %v, want about 1h", d)
	}

	gh, err := g.NewGitHubActions("octo-org/app")
	if err != nil {
		t.Fatal(err)
	}
	ghTok, err := gh.Token("https://iam.googleapis.com/x")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ReadJWT(ghTok, now); err != nil || c.Repository != "octo-org/app" || strings.Join(c.Audience, ",") != "https://iam.googleapis.com/x" {
		t.Errorf("ReadJWT(GitHub token) = %+v, %v, want repository octo-org/app, one audience", c, err)
	}
	gl, _ := iss.Token("project_path:group/proj:ref_type:branch:ref:main", []string{"a"}, time.Hour, map[string]any{"project_path": "group/proj"})
	if c, err := ReadJWT(gl, now); err != nil || c.ProjectPath != "group/proj" {
		t.Errorf("ReadJWT(GitLab-like token) = %+v, %v, want project_path group/proj", c, err)
	}

	// Identity: the same for two tokens (two pods) of one service
	// account, different for another account or the same name with
	// another uid.
	identity := func(sa fakegoogle.KubernetesServiceAccount) string {
		tok, err := iss.KubernetesToken(sa, []string{"a"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ReadJWT(tok, now)
		if err != nil {
			t.Fatal(err)
		}
		return c.Identity()
	}
	a1 := identity(fakegoogle.KubernetesServiceAccount{Namespace: "ns", Name: "a", UID: "u1", Pod: "p1"})
	a2 := identity(fakegoogle.KubernetesServiceAccount{Namespace: "ns", Name: "a", UID: "u1", Pod: "p2"})
	b := identity(fakegoogle.KubernetesServiceAccount{Namespace: "ns", Name: "b", UID: "u2", Pod: "p1"})
	aNew := identity(fakegoogle.KubernetesServiceAccount{Namespace: "ns", Name: "a", UID: "u3", Pod: "p1"})
	if a1 != a2 || a1 == b || a1 == aNew {
		t.Errorf("Identity() of pods p1, p2 of ns/a = %s, %s (want equal); of ns/b %s and recreated ns/a %s (want different)", a1, a2, b, aNew)
	}
}

func TestReadJWTRefuses(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h := `{"alg":"RS256","typ":"JWT"}`
	valid := `"iss":"https://issuer.example","sub":"s","exp":1800000600`
	tests := []struct {
		name, token, want string
	}{
		{"empty", "", "not a JWT"},
		{"two parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzIn0", "3"},
		{"four parts", fedUnsigned(h, "{"+valid+"}") + ".x", "3"},
		{"padding", strings.Replace(fedUnsigned(h, "{"+valid+"}"), ".", "=.", 1), "base64url"},
		{"newline", fedUnsigned(h, "{"+valid+"}") + "\n", "base64url"},
		{"header not JSON", fedUnsigned("RS256", "{"+valid+"}"), "header"},
		{"no alg", fedUnsigned(`{"typ":"JWT"}`, "{"+valid+"}"), "alg"},
		{"payload array", fedUnsigned(h, `[1]`), "payload"},
		{"payload trailing data", fedUnsigned(h, "{"+valid+"} {}"), "payload"},
		{"duplicate sub", fedUnsigned(h, "{"+valid+`,"sub":"t"}`), "twice"},
		{"duplicate nested", fedUnsigned(h, "{"+valid+`,"kubernetes.io":{"namespace":"a","namespace":"b"}}`), "twice"},
		{"sub a number", fedUnsigned(h, `{"iss":"i","sub":5,"exp":1800000600}`), "sub claim"},
		{"exp a string", fedUnsigned(h, `{"iss":"i","sub":"s","exp":"1800000600"}`), "exp claim"},
		{"exp negative", fedUnsigned(h, `{"iss":"i","sub":"s","exp":-1}`), "exp"},
		{"aud an object", fedUnsigned(h, "{"+valid+`,"aud":{"a":1}}`), "aud"},
		{"kubernetes.io a string", fedUnsigned(h, "{"+valid+`,"kubernetes.io":"x"}`), "kubernetes.io"},
		{"no iss", fedUnsigned(h, `{"sub":"s","exp":1800000600}`), "no issuer"},
		{"no sub", fedUnsigned(h, `{"iss":"https://issuer.example","exp":1800000600}`), "no subject"},
		{"sub with another case", fedUnsigned(h, `{"iss":"https://issuer.example","Sub":"s","exp":1800000600}`), "no subject"},
		{"no exp", fedUnsigned(h, `{"iss":"https://issuer.example","sub":"s"}`), "no expiry"},
		{"expired", fedUnsigned(h, `{"iss":"https://issuer.example","sub":"s","exp":1799999000}`), "expired 16m40s ago"},
		{"expires now", fedUnsigned(h, `{"iss":"https://issuer.example","sub":"s","exp":1800000000}`), "expired"},
		{"too big", fedUnsigned(h, "{"+valid+`,"x":"`+strings.Repeat("a", MaxJWTSize)+`"}`), "bytes"},
	}
	for _, tt := range tests {
		c, err := ReadJWT(tt.token, now)
		if err == nil {
			t.Errorf("ReadJWT(%s) = %+v, want an error about %q", tt.name, c, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("ReadJWT(%s) error = %q, want it to mention %q", tt.name, msg, tt.want)
		}
		for _, part := range strings.Split(tt.token, ".") {
			if len(part) >= 8 && strings.Contains(msg, part) {
				t.Errorf("ReadJWT(%s) error echoes a part of the token", tt.name)
			}
		}
	}
	_, err := ReadJWT(fedUnsigned(h, `{"iss":"https://issuer.example","sub":"s","exp":1799999000}`), now)
	if !errors.Is(err, ErrSubjectTokenExpired) {
		t.Errorf("ReadJWT(expired) error = %v, want ErrSubjectTokenExpired", err)
	}
	_, err = ReadJWT(fedUnsigned(h, `{"iss":"https://issuer.example","sub":"s","exp":1799999000,"kubernetes.io":{"namespace":"ns","serviceaccount":{"name":"puller","uid":"u"}}}`), now)
	if err == nil || !strings.Contains(err.Error(), `service account "puller" in namespace "ns"`) {
		t.Errorf("ReadJWT(expired Kubernetes token) error = %v, want it to name the service account", err)
	}
}
