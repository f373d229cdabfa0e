package fakegoogle

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"cloud.google.com/go/compute/metadata"
	"golang.org/x/oauth2/google"
)

const computeDefault = "default-compute@fake-project.iam.gserviceaccount.com"

func TestMetadataNeedsFlavorHeader(t *testing.T) {
	s := newServer(t, Options{})
	for _, path := range []string{"instance/service-accounts/default/token", "project/project-id", "instance/service-accounts/"} {
		resp, err := http.Get(s.URL + metadataPrefix + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Metadata-Flavor") != "Google" {
			t.Errorf("GET %s without Metadata-Flavor = %d, Metadata-Flavor %q, want 403, Google", path, resp.StatusCode, resp.Header.Get("Metadata-Flavor"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, s.URL+metadataPrefix+"project/project-id", nil)
	req.Header.Set("Metadata-Flavor", "Google")
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET project-id with X-Forwarded-For = %d, want 403", resp.StatusCode)
	}
	if got, want := s.Count("metadata"), 4; got != want {
		t.Errorf("Count(metadata) = %d, want %d", got, want)
	}
	if got := s.Count("metadata-token"); got != 1 {
		t.Errorf("Count(metadata-token) = %d, want 1", got)
	}
}

func TestMetadataClient(t *testing.T) {
	s := newServer(t, Options{Universe: "example-universe.test"})
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(s.URL, "http://"))
	s.SetMetadataAccount("builder", saEmail)
	c := metadata.NewClient(http.DefaultClient)
	ctx := t.Context()

	for _, tt := range []struct {
		name string
		get  func() (string, error)
		want string
	}{
		{"ProjectID", func() (string, error) { return c.ProjectIDWithContext(ctx) }, "fake-project"},
		{"Zone", func() (string, error) { return c.ZoneWithContext(ctx) }, metadataZone},
		{"Email(default)", func() (string, error) { return c.EmailWithContext(ctx, "default") }, computeDefault},
		{"Email(builder)", func() (string, error) { return c.EmailWithContext(ctx, "builder") }, saEmail},
		{"Email(by email)", func() (string, error) { return c.EmailWithContext(ctx, saEmail) }, saEmail},
		{"Get(universe/universe-domain)", func() (string, error) { return c.GetWithContext(ctx, "universe/universe-domain") }, "example-universe.test"},
		{"Get(universe/universe_domain)", func() (string, error) { return c.GetWithContext(ctx, "universe/universe_domain") }, "example-universe.test"},
		{"Get(instance/service-accounts/)", func() (string, error) { return c.GetWithContext(ctx, "instance/service-accounts/") },
			"builder/\n" + saEmail + "/\n" + computeDefault + "/\ndefault/\n"},
	} {
		if got, err := tt.get(); err != nil || got != tt.want {
			t.Errorf("%s = %q, %v, want %q", tt.name, got, err, tt.want)
		}
	}
	_, err := c.EmailWithContext(ctx, "nobody")
	if !errors.As(err, new(metadata.NotDefinedError)) {
		t.Errorf("Email(nobody) error = %v, want metadata.NotDefinedError", err)
	}
	s.SetMetadataAccount("default", "")
	if _, err := c.EmailWithContext(ctx, "default"); !errors.As(err, new(metadata.NotDefinedError)) {
		t.Errorf("Email(default) after removing it, error = %v, want metadata.NotDefinedError", err)
	}
}

func TestMetadataToken(t *testing.T) {
	s := newServer(t, Options{})
	t.Setenv("GCE_METADATA_HOST", strings.TrimPrefix(s.URL, "http://"))

	tok, err := google.ComputeTokenSource("").Token()
	if err != nil {
		t.Fatalf("ComputeTokenSource().Token(): %v", err)
	}
	if got, ok := s.Principal(tok.AccessToken); !ok || got != computeDefault {
		t.Errorf("Principal(metadata token) = %q, %v, want %q, true", got, ok, computeDefault)
	}
	again, err := google.ComputeTokenSource("").Token()
	if err != nil || again.AccessToken != tok.AccessToken {
		t.Errorf("second ComputeTokenSource().Token() = %v, %v, want the cached %q", again, err, tok.AccessToken)
	}
	scoped, err := google.ComputeTokenSource("", "https://www.googleapis.com/auth/devstorage.read_only").Token()
	if err != nil || scoped.AccessToken == tok.AccessToken {
		t.Errorf("ComputeTokenSource(scope).Token() = %v, %v, want a token distinct from %q", scoped, err, tok.AccessToken)
	}
	if got := s.Count("metadata-token"); got != 3 {
		t.Errorf("Count(metadata-token) = %d, want 3", got)
	}
	if _, err := google.ComputeTokenSource("nobody@example.com").Token(); err == nil {
		t.Errorf("ComputeTokenSource(unknown account).Token() error = nil, want not defined")
	}
}
