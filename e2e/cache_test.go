//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
)

// Scenario (cache): many docker and crane processes at once with a cold
// cache make one request to the metadata server; warm ones make none.
func TestConcurrentClientsOneUpstreamRequest(t *testing.T) {
	needs(t, "crane", "docker")
	u := newUser(t, "cache")
	must(t, u, "docker-credential-gcr configure-docker "+harness.ARHost)
	img := harness.ARHost + "/demo-project/repo/cache:v1"
	pushImage(t, u, img)
	must(t, u, "docker-credential-gcr cache clear")

	before := world.Google.Count("metadata-token")
	var wg sync.WaitGroup
	errs := make([]string, 12)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := "crane digest " + img
			if i%2 == 1 {
				cmd = "docker manifest inspect " + img + " >/dev/null"
			}
			if r := u.Sh(cmd); r.Err != nil {
				errs[i] = r.String()
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Errorf("concurrent client failed: %s", e)
		}
	}
	if n := world.Google.Count("metadata-token") - before; n != 1 {
		t.Errorf("12 concurrent clients on a cold cache made %d metadata token requests, want 1", n)
	}
	before = world.Google.Count("metadata-token")
	for range 5 {
		must(t, u, "crane digest "+img)
	}
	if n := world.Google.Count("metadata-token") - before; n != 0 {
		t.Errorf("warm clients made %d metadata token requests, want 0", n)
	}
	out := must(t, u, "docker-credential-gcr cache clear").Stdout
	if !strings.HasPrefix(out, fmt.Sprintf("removed %d cached token(s)", 1)) {
		t.Errorf("cache clear = %q, want one token removed", out)
	}
}
