//go:build unix

package hardening

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// killRuns is how many processes each SIGKILL test kills: 50 in CI, 1000
// under make stress.
func killRuns() int { return size(50, 1000) }

// killer kills processes at random moments: uniformly between 0 and 1.5
// times the median duration of an unkilled run, so that kills land before,
// during and after the write. The moments come from a logged seed
// (HARDENING_SEED replays them, as fractions of that window).
type killer struct {
	t       *testing.T
	e       *testenv.Env
	max     time.Duration
	rng     *rand.Rand
	killed  int // runs that died of the signal
	settled int // runs that finished before the signal
}

func newKiller(t *testing.T, e *testenv.Env, calibrate func() testenv.Result) *killer {
	var ds []time.Duration
	for range 7 {
		r := calibrate()
		if r.Code != 0 {
			t.Fatalf("calibration run exit %d: %s %s", r.Code, shown(r.Stdout), shown(r.Stderr))
		}
		ds = append(ds, r.Elapsed)
	}
	seed := seed(t)
	k := &killer{t: t, e: e, max: percentile(ds, 50) * 3 / 2, rng: rand.New(rand.NewPCG(seed, 9))}
	t.Logf("median unkilled run %s; kills land in [0, %s]", percentile(ds, 50), k.max)
	return k
}

// seed is the seed of a test's random choices: HARDENING_SEED when set,
// else the clock. It is logged, with the command that replays it.
func seed(t *testing.T) uint64 {
	t.Helper()
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("HARDENING_SEED"); v != "" {
		var err error
		if s, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("HARDENING_SEED=%q: want an unsigned integer", v)
		}
	}
	t.Logf("seed %d (replay: HARDENING_SEED=%d go test -run '^%s$' ./hardening/)", s, s, t.Name())
	return s
}

// run starts the binary and kills it after a random delay.
func (k *killer) run(vars map[string]string, stdin string, args ...string) testenv.Result {
	p := k.e.Start(vars, stdin, args...)
	time.Sleep(time.Duration(k.rng.Float64() * float64(k.max)))
	p.Kill()
	r := p.Wait()
	if r.Killed {
		k.killed++
	} else {
		k.settled++
	}
	return r
}

// check fails the test when no run was killed mid-run: then it proved
// nothing about a kill.
func (k *killer) check() {
	k.t.Helper()
	if k.killed == 0 {
		k.t.Errorf("none of %d runs was killed mid-run (kills in [0, %s]): the test proved nothing", k.settled, k.max)
	}
}

// leftovers counts temp files a killed writer left in dir.
func leftovers(dir string) int {
	n := 0
	for _, f := range files(dir) {
		if strings.Contains(filepath.Base(f), ".tmp-") {
			n++
		}
	}
	return n
}

// TestKillConfigureDocker kills configure-docker at random moments on a
// config.json with many entries; after each run the file must be valid
// JSON holding every entry it held before, every other key byte for byte.
func TestKillConfigureDocker(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	cfg := e.DockerConfig()
	var b strings.Builder
	b.WriteString("{\n  \"auths\": {\n    \"ghcr.io\": {\n      \"auth\": \"dXNlcjpwYXNz\"\n    }\n  },\n  \"credsStore\": \"desktop\",\n  \"x-unknown\": [1, 2, {\"nested\": true}],\n  \"credHelpers\": {\n")
	for i := range 300 {
		fmt.Fprintf(&b, "    \"r%03d-docker.pkg.dev\": \"gcloud\",\n", i)
	}
	b.WriteString("    \"zz.gcr.io\": \"gcr\"\n  },\n  \"psFormat\": \"table {{.ID}}\"\n}\n")
	orig := b.String()
	e.WriteFile(e.DockerConfig(), []byte(orig), 0o640)
	origOther := others(t, []byte(orig))

	n := 0
	k := newKiller(t, e, func() testenv.Result {
		n++
		return e.RunWith(nil, "", "configure-docker", fmt.Sprintf("calib%d-docker.pkg.dev", n))
	})
	runs := killRuns()
	damaged, lost := 0, 0
	prev := helpers(t, mustRead(t, cfg))
	for i := range runs {
		host := fmt.Sprintf("k%04d-docker.pkg.dev", i)
		r := k.run(nil, "", "configure-docker", host)
		if !r.Killed && r.Code != 0 {
			t.Errorf("run %d (not killed) exit %d: %s", i, r.Code, shown(r.Stderr))
		}
		data := mustRead(t, cfg)
		if !json.Valid(data) {
			damaged++
			t.Errorf("run %d: config.json is not valid JSON:\n%.300s", i, data)
			e.WriteFile(e.DockerConfig(), []byte(orig), 0o640) // go on from a sane file
			prev = helpers(t, []byte(orig))
			continue
		}
		now := helpers(t, data)
		for h, v := range prev {
			if now[h] != v {
				lost++
				t.Errorf("run %d: entry %s -> %s lost (now %q)", i, h, v, now[h])
			}
		}
		if !r.Killed && now[host] != "gcr" {
			t.Errorf("run %d finished but %s is not configured", i, host)
		}
		if o := others(t, data); !bytes.Equal(o, origOther) {
			damaged++
			t.Errorf("run %d: keys other than credHelpers changed:\n%s", i, o)
		}
		prev = now
	}
	if fi, err := os.Stat(cfg); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("config.json mode = %v, %v, want 0640 kept", fi.Mode().Perm(), err)
	}
	left := leftovers(e.Vars["DOCKER_CONFIG"])
	k.check()
	figure(t, "SIGKILL configure-docker: %d runs (%d killed mid-run, %d finished first), %d damaged files, %d lost entries, %d temp files left behind",
		runs, k.killed, k.settled, damaged, lost, left)
	e.ScanFiles(t)
}

// others is config.json without credHelpers, re-encoded deterministically
// from the raw bytes of each value.
func others(t *testing.T, data []byte) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	delete(m, "credHelpers")
	var b bytes.Buffer
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(&b, "%s=%s\n", k, m[k])
	}
	return b.Bytes()
}

func helpers(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var c struct{ CredHelpers map[string]string }
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	return c.CredHelpers
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestKillGetDuringCacheWrite kills get at random moments while it fetches
// and writes the token cache (every get is due for a refresh); the next
// get must work and serve a valid token, never a corrupt or expired one.
func TestKillGetDuringCacheWrite(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{TokenLifetime: tokenLifetime})
	key, err := e.Google.NewServiceAccount(ciAccount)
	if err != nil {
		t.Fatal(err)
	}
	vars := e.With(append([]string{
		"GOOGLE_APPLICATION_CREDENTIALS", e.WriteFile("key.json", key, 0o600),
		// Every get finds the cached token due and fetches and writes anew.
		"DOCKER_CREDENTIAL_GCR_REFRESH_MARGIN", "59m59s",
	}, metadataAt(closedPort(t))...)...)
	cache := e.CacheDir()
	k := newKiller(t, e, func() testenv.Result { return e.RunWith(vars, registry, "get") })
	runs := killRuns()
	bad, corrupt := 0, 0
	for i := range runs {
		k.run(vars, registry, "get")
		// Whatever the kill left, the cache files parse or are ignored.
		for _, f := range files(cache) {
			if strings.HasSuffix(f, ".json") && !strings.HasPrefix(filepath.Base(f), ".") {
				if b, err := os.ReadFile(filepath.Join(cache, f)); err == nil && !json.Valid(b) {
					corrupt++
					t.Errorf("run %d: cache file %s is not valid JSON", i, f)
				}
			}
		}
		r := e.RunWith(vars, registry, "get")
		c, ok := parseCreds(r.Stdout)
		p, valid := e.Google.Principal(c.Secret)
		if r.Code != 0 || !ok || !valid || p != ciAccount {
			bad++
			t.Errorf("run %d: get after the kill = %.120q, exit %d (valid %v, acts as %q); want a valid token of %s", i, shown(r.Stdout), r.Code, valid, p, ciAccount)
		}
	}
	left := leftovers(cache)
	k.check()
	figure(t, "SIGKILL get (token cache write): %d runs (%d killed mid-run, %d finished first), %d corrupt cache files, %d bad answers after, %d temp files left behind",
		runs, k.killed, k.settled, corrupt, bad, left)
	checkModes(t, cache, 0o700, 0o600)
}

// TestKillStoreFileFallback kills store (credentials going to the 0600
// file where no keyring is reachable) at random moments: credentials.json
// must stay valid JSON holding every entry stored before.
func TestKillStoreFileFallback(t *testing.T) {
	e := testenv.New(t, fakegoogle.Options{})
	dir := e.SettingsDir()
	path := filepath.Join(dir, "credentials.json")
	want := map[string]string{} // host -> secret, the entries stored so far
	store := func(host string) string {
		secret := "pw-" + host + "-" + fmt.Sprint(rand.Int64())
		e.Secrets.Add(secret)
		return fmt.Sprintf(`{"ServerURL":%q,"Username":"u-%s","Secret":%q}`, host, host, secret)
	}
	for i := range 40 {
		host := fmt.Sprintf("old%02d.example.com", i)
		in := store(host)
		if r := e.RunWith(nil, in, "store"); r.Code != 0 {
			t.Fatalf("store %s exit %d: %s %s", host, r.Code, shown(r.Stdout), shown(r.Stderr))
		}
		want[host] = secretOf(in)
	}
	n := 0
	k := newKiller(t, e, func() testenv.Result {
		n++
		in := store(fmt.Sprintf("calib%d.example.com", n))
		r := e.RunWith(nil, in, "store")
		want[fmt.Sprintf("calib%d.example.com", n)] = secretOf(in)
		return r
	})
	runs := killRuns()
	damaged, lost := 0, 0
	for i := range runs {
		host := fmt.Sprintf("k%04d.example.com", i)
		in := store(host)
		r := k.run(nil, in, "store")
		if !r.Killed && r.Code != 0 {
			t.Errorf("run %d (not killed) exit %d: %s", i, r.Code, shown(r.Stdout))
		}
		m, err := readCredentials(path)
		if err != nil {
			damaged++
			t.Errorf("run %d: %v", i, err)
			continue
		}
		for h, s := range want {
			if m[h].Secret != s {
				lost++
				t.Errorf("run %d: the entry of %s was lost", i, h)
			}
		}
		if !r.Killed && m[host].Secret != secretOf(in) {
			t.Errorf("run %d finished but %s is not stored", i, host)
		}
		if c, ok := m[host]; ok && c.Secret == secretOf(in) {
			want[host] = c.Secret
		}
	}
	left := leftovers(dir)
	k.check()
	figure(t, "SIGKILL store (credential file fallback): %d runs (%d killed mid-run, %d finished first), %d damaged files, %d lost entries, %d temp files left behind",
		runs, k.killed, k.settled, damaged, lost, left)
	checkModes(t, dir, 0o700, 0o600)
	e.ScanFiles(t)
}

type storedCred struct {
	Username string `json:"username"`
	Secret   string `json:"secret"`
}

func readCredentials(path string) (map[string]storedCred, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]storedCred
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %v", path, err)
	}
	return m, nil
}

func secretOf(in string) string {
	var c struct{ Secret string }
	json.Unmarshal([]byte(in), &c)
	return c.Secret
}

// checkModes fails unless dir has mode dirMode and every regular file in
// it (lock files included) fileMode.
func checkModes(t *testing.T, dir string, dirMode, fileMode os.FileMode) {
	t.Helper()
	checkMode(t, dir, dirMode)
	for _, f := range files(dir) {
		checkMode(t, filepath.Join(dir, f), fileMode)
	}
}

// checkMode fails unless p exists with permissions want.
func checkMode(t *testing.T, p string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Errorf("stat %s: %v", p, err)
		return
	}
	if fi.Mode().Perm() != want {
		t.Errorf("%s mode = %v, want %v", p, fi.Mode().Perm(), want)
	}
}
