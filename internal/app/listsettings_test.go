package app

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestProtocolNeedsNoTokenSettings: a token setting that is wrong (an
// unknown source, a bad refresh margin) concerns only what mints tokens:
// list still answers (regctl and testcontainers break when it fails), store
// and get of another registry still use what docker login stored, and a
// get of a Google host says what is wrong, minting nothing.
func TestProtocolNeedsNoTokenSettings(t *testing.T) {
	for name, v := range map[string][2]string{
		"refresh margin": {"DOCKER_CREDENTIAL_GCR_REFRESH_MARGIN", "bogus"},
		"token sources":  {"DOCKER_CREDENTIAL_GCR_TOKEN_SOURCES", "bogus"},
		"timeout":        {"DOCKER_CREDENTIAL_GCR_TIMEOUT", "1h"},
	} {
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, "")
			w.Vars["DOCKER_CREDENTIAL_GCR_CREDENTIAL_STORE"] = "file"
			w.Vars[v[0]] = v[1]
			run := func(action, in string) (string, error) {
				var out, stderr bytes.Buffer
				err := w.app(&stderr).Protocol(context.Background(), action, strings.NewReader(in), &out)
				return out.String(), err
			}
			if out, err := run("store", `{"ServerURL":"registry.example.org","Username":"u","Secret":"s"}`); err != nil {
				t.Fatalf("store with %s=%s = %q, %v; want it stored", v[0], v[1], out, err)
			}
			if out, err := run("get", "registry.example.org"); err != nil || !strings.Contains(out, `"Secret":"s"`) {
				t.Errorf("get of another registry with %s=%s = %q, %v; want what was stored", v[0], v[1], out, err)
			}
			if out, err := run("list", ""); err != nil || !strings.Contains(out, "registry.example.org") {
				t.Errorf("list with %s=%s = %q, %v; want the stored host", v[0], v[1], out, err)
			}
			if out, err := run("get", "gcr.io"); err == nil || !strings.Contains(out, v[1]) {
				t.Errorf("get gcr.io with %s=%s = %q, %v; want an error naming the value", v[0], v[1], out, err)
			}
			if n := w.Google.Count("token"); n != 0 {
				t.Errorf("%d token requests, want 0", n)
			}
		})
	}
}
