package fakegoogle

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/google"
)

func TestSecrets(t *testing.T) {
	s := newServer(t, Options{})
	key, _ := s.NewServiceAccount(saEmail)
	adc, _ := s.NewAuthorizedUser("dev@example.com")
	ext, _ := s.NewExternalAccount("ci@example.com", t.TempDir())
	var tokens []string
	for _, c := range []struct {
		json []byte
		ct   google.CredentialsType
	}{{key, google.ServiceAccount}, {adc, google.AuthorizedUser}, {ext, google.ExternalAccount}} {
		tokens = append(tokens, mustToken(t, c.json, c.ct).AccessToken)
	}

	secrets := s.Secrets()
	var user map[string]string
	json.Unmarshal(adc, &user)
	for _, want := range append(tokens, user["refresh_token"], user["client_secret"]) {
		if !slices.Contains(secrets, want) {
			t.Errorf("Secrets() lacks %.16q...", want)
		}
	}
	var sa map[string]string
	json.Unmarshal(key, &sa)
	for line := range strings.Lines(sa["private_key"]) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "-----") && !slices.Contains(secrets, line) {
			t.Errorf("Secrets() lacks private key line %.16q...", line)
		}
	}
	for _, secret := range secrets {
		if strings.Contains(secret, "\n") || len(secret) < 16 {
			t.Errorf("Secrets() holds %q, want single lines long enough to grep for", secret)
		}
	}
}

func TestCountAndReset(t *testing.T) {
	s := newServer(t, Options{})
	adc, _ := s.NewAuthorizedUser("dev@example.com")
	mustToken(t, adc, google.AuthorizedUser)
	mustToken(t, adc, google.AuthorizedUser)
	if got := s.Count("token"); got != 2 {
		t.Errorf("Count(token) = %d, want 2", got)
	}
	s.ResetCounts()
	if got := s.Count("token"); got != 0 {
		t.Errorf("Count(token) after ResetCounts = %d, want 0", got)
	}
}

func TestFault(t *testing.T) {
	s := newServer(t, Options{})
	adc, _ := s.NewAuthorizedUser("dev@example.com")
	s.SetFault("token", Fault{Status: http.StatusServiceUnavailable, Body: `{"error":"temporarily_unavailable"}`})
	_, err := token(t.Context(), adc, google.AuthorizedUser)
	if got := errorCode(err); got != "temporarily_unavailable" {
		t.Errorf("Token() with a 503 fault error = %v, want temporarily_unavailable", err)
	}
	s.SetFault("token", Fault{})
	mustToken(t, adc, google.AuthorizedUser)
	if got := s.Count("token"); got != 2 {
		t.Errorf("Count(token) = %d, want 2 (faults count too)", got)
	}

	s.SetFault("metadata", Fault{Status: http.StatusInternalServerError})
	s.SetFault("metadata-token", Fault{Status: http.StatusTooManyRequests, Body: "slow down"})
	for path, want := range map[string]int{
		"project/project-id":                      http.StatusInternalServerError,
		"instance/service-accounts/default/token": http.StatusTooManyRequests,
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL+metadataPrefix+path, nil)
		req.Header.Set("Metadata-Flavor", "Google")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s with faults = %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestLatencyAndClose(t *testing.T) {
	s, err := New(Options{Latency: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	adc, _ := s.NewAuthorizedUser("dev@example.com")
	start := time.Now()
	mustToken(t, adc, google.AuthorizedUser)
	if got := time.Since(start); got < 50*time.Millisecond {
		t.Errorf("Token() with Latency 50ms took %v, want at least 50ms", got)
	}

	s.SetFault("token", Fault{Delay: time.Hour})
	errc := make(chan error, 1)
	go func() {
		_, err := token(t.Context(), adc, google.AuthorizedUser)
		errc <- err
	}()
	for s.Count("token") < 2 {
		time.Sleep(time.Millisecond) // wait for the request to arrive, not for time to pass
	}
	s.Close()
	if err := <-errc; err == nil {
		t.Errorf("Token() in flight across Close() error = nil, want an error")
	}
}
