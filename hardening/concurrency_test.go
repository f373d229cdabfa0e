//go:build unix

package hardening

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const notFound = "credentials not found in native keychain\n"

// TestConcurrentConfigureDocker starts 50 configure-docker at once, each
// for its own host, on one config.json: none may be lost.
func TestConcurrentConfigureDocker(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	orig := "{\n\t\"auths\": {},\n\t\"x-keep\": \"me\",\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcloud\"\n\t}\n}\n"
	cfg := e.WriteFile(e.DockerConfig(), []byte(orig), 0o600)
	const n = 50
	procs := make([]*testenv.Proc, n)
	start := time.Now()
	for i := range procs {
		procs[i] = e.Start(nil, "", "configure-docker", fmt.Sprintf("c%02d-docker.pkg.dev", i))
	}
	failed := 0
	for i, p := range procs {
		if r := p.Wait(); r.Code != 0 {
			failed++
			t.Errorf("configure-docker #%d exit %d: %s", i, r.Code, shown(r.Stderr))
		}
	}
	wall := time.Since(start)
	data := mustRead(t, cfg)
	h := helpers(t, data)
	lost := 0
	for i := range n {
		if host := fmt.Sprintf("c%02d-docker.pkg.dev", i); h[host] != "gcr" {
			lost++
			t.Errorf("%s lost", host)
		}
	}
	if h["gcr.io"] != "gcloud" || len(h) != n+1 {
		t.Errorf("credHelpers = %v, want gcr.io -> gcloud kept and %d entries", h, n+1)
	}
	if !strings.HasPrefix(string(data), "{\n\t\"auths\": {},\n\t\"x-keep\": \"me\",\n\t\"credHelpers\": {\n") {
		t.Errorf("the rest of config.json changed:\n%s", data)
	}
	figure(t, "concurrency configure-docker: %d processes at once, %d failed, %d hosts lost, %s wall", n, failed, lost, wall.Round(time.Millisecond))
}

// TestConcurrentColdGet starts 64 get at once with a cold cache: Google
// must see exactly one token request and every process the same valid
// token.
func TestConcurrentColdGet(t *testing.T) {
	// Latency keeps the one upstream request in flight while the others start.
	e := testenv.New(t, fakegoogle.Options{Latency: 300 * time.Millisecond})
	key, err := e.Google.NewServiceAccount(ciAccount)
	if err != nil {
		t.Fatal(err)
	}
	vars := e.With(append([]string{"GOOGLE_APPLICATION_CREDENTIALS", e.WriteFile("key.json", key, 0o600)}, metadataAt(closedPort(t))...)...)
	const n = 64
	procs := make([]*testenv.Proc, n)
	start := time.Now()
	for i := range procs {
		procs[i] = e.Start(vars, registry, "get")
	}
	answers := map[string]int{}
	var ds []time.Duration
	bad := 0
	for i, p := range procs {
		r := p.Wait()
		ds = append(ds, r.Elapsed)
		c, ok := parseCreds(r.Stdout)
		if pr, valid := e.Google.Principal(c.Secret); r.Code != 0 || !ok || !valid || pr != ciAccount || c.Username != "oauth2accesstoken" {
			bad++
			t.Errorf("get #%d = %.100q, exit %d, acts as %q; want a valid token of %s", i, shown(r.Stdout), r.Code, pr, ciAccount)
			continue
		}
		answers[c.Secret]++
	}
	wall := time.Since(start)
	upstream := e.Google.Count("token")
	if upstream != 1 {
		t.Errorf("the token endpoint saw %d requests, want 1", upstream)
	}
	if len(answers) != 1 {
		t.Errorf("%d distinct tokens among the answers, want 1", len(answers))
	}
	figure(t, "concurrency cold get: %d processes at once, %d upstream token request(s), %d distinct answer(s), %d bad; p50 %s, max %s, wall %s",
		n, upstream, len(answers), bad, percentile(ds, 50).Round(time.Millisecond), percentile(ds, 100).Round(time.Millisecond), wall.Round(time.Millisecond))
	checkModes(t, e.CacheDir(), 0o700, 0o600)
}

// op is one protocol call of TestConcurrentStoreEraseGet.
type op struct {
	worker     int
	kind, host string
	value      string // stored, or what get returned ("" for not-found)
	start, end time.Time
}

// TestConcurrentStoreEraseGet runs store, erase and get from 20 processes
// at a time on the credential file fallback (no keyring), on hosts shared
// between them and hosts of their own. The file must stay valid JSON, every
// get must return something a store wrote, and the final state of each
// host must be the effect of an operation that can have come last.
func TestConcurrentStoreEraseGet(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	const workers = 20
	perWorker := size(10, 100)
	shared := []string{"shared0.example.com", "shared1.example.com", "shared2.example.com", "shared3.example.com"}
	var mu sync.Mutex
	var ops []op
	var wg sync.WaitGroup
	seed := seed(t)
	start := time.Now()
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), seed))
			own := fmt.Sprintf("own%02d.example.com", w)
			for i := range perWorker {
				host := own
				if rng.IntN(3) > 0 {
					host = shared[rng.IntN(len(shared))]
				}
				o := op{worker: w, host: host}
				var in string
				switch rng.IntN(3) {
				case 0:
					o.kind = "store"
					o.value = fmt.Sprintf("pw-w%02d-%03d-%d", w, i, rng.Int64())
					e.Secrets.Add(o.value)
					in = fmt.Sprintf(`{"ServerURL":%q,"Username":"u","Secret":%q}`, host, o.value)
				case 1:
					o.kind, in = "erase", host
				default:
					o.kind, in = "get", host
				}
				o.start = time.Now()
				r := e.RunWith(nil, in, o.kind)
				o.end = time.Now()
				switch {
				case o.kind == "store" && r.Code == 0 && r.Stdout == "":
				case o.kind == "erase" && (r.Code == 0 && r.Stdout == "" || r.Code == 1 && r.Stdout == notFound):
				case o.kind == "get" && r.Code == 1 && r.Stdout == notFound:
				case o.kind == "get" && r.Code == 0:
					c, ok := parseCreds(r.Stdout)
					if !ok {
						t.Errorf("get %s = %q", host, shown(r.Stdout))
					}
					o.value = c.Secret
				default:
					t.Errorf("%s %s: exit %d, stdout %q, stderr %q", o.kind, host, r.Code, shown(r.Stdout), shown(r.Stderr))
				}
				if panicked(r.Stderr) {
					t.Errorf("%s %s crashed: %s", o.kind, host, shown(r.Stderr))
				}
				mu.Lock()
				ops = append(ops, o)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)

	path := filepath.Join(e.SettingsDir(), "credentials.json")
	final, err := readCredentials(path)
	corrupt := 0
	if err != nil && !os.IsNotExist(err) {
		corrupt++
		t.Fatalf("after %d operations: %v", len(ops), err)
	}
	byHost := map[string][]op{}
	for _, o := range ops {
		byHost[o.host] = append(byHost[o.host], o)
	}
	stored := map[string]map[string]op{} // host -> value -> its store
	for _, o := range ops {
		if o.kind == "store" {
			if stored[o.host] == nil {
				stored[o.host] = map[string]op{}
			}
			stored[o.host][o.value] = o
		}
	}
	unexplained := 0
	// Every get returned a value some store on that host wrote, and that
	// store had started before the get ended.
	for _, o := range ops {
		if o.kind != "get" || o.value == "" {
			continue
		}
		if s, ok := stored[o.host][o.value]; !ok || s.start.After(o.end) {
			unexplained++
			t.Errorf("get %s returned a value no earlier store wrote", o.host)
		}
	}
	// The final state of each host is the effect of an operation that can
	// be last: no other operation on the host started after it ended.
	for host, hops := range byHost {
		got, present := final[host]
		explained := false
		var writes int
		for _, o := range hops {
			if o.kind == "get" {
				continue
			}
			writes++
			canBeLast := true
			for _, x := range hops {
				if x.kind != "get" && x.start.After(o.end) {
					canBeLast = false
					break
				}
			}
			if canBeLast && (o.kind == "store" && present && got.Secret == o.value || o.kind == "erase" && !present) {
				explained = true
				break
			}
		}
		if writes == 0 {
			explained = !present
		}
		if !explained {
			unexplained++
			t.Errorf("final state of %s (present %v) is not the effect of any operation that can have come last", host, present)
		}
	}
	for host := range final {
		if _, ok := byHost[host]; !ok {
			unexplained++
			t.Errorf("credentials.json holds %s, which nobody stored", host)
		}
	}
	figure(t, "concurrency store/erase/get: %d processes, %d operations, %d corrupt files, %d unexplained states, %s wall",
		workers, len(ops), corrupt, unexplained, wall.Round(time.Millisecond))
	checkModes(t, filepath.Dir(path), 0o700, 0o600)
	e.ScanFiles(t)
}
