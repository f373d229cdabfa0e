// Command bench measures `docker-credential-gcr get` and prints a markdown
// table: warm wall time against the floor (a hello-world Go binary) and
// against `docker-credential-gcloud get`, upstream requests with a warm and a
// cold cache, cold wall time, and peak RSS. Run it with `make bench`.
//
// Every process runs against a fake Google (internal/fakegoogle) whose token
// endpoints answer after 100 ms, what a real one costs, with HOME, the XDG
// dirs and DOCKER_CONFIG in a temp dir and no reachable D-Bus (an isolated
// user of internal/testenv). Our helper
// gets its token from the metadata source (GCE_METADATA_HOST) and a PATH
// without gcloud, so the gcloud source is skipped at once;
// docker-credential-gcloud reaches the same server through GCE_METADATA_ROOT
// with an empty CLOUDSDK_CONFIG.
//
// Each ratio is measured pairwise: the two commands run alternately (A B,
// B A, ...) so that the noise of a shared machine hits both, and the ratio
// is the median of the per-pair ratios. Peak RSS is the largest VmHWM of
// the process tree, read under ptrace as each task exits (rss_linux.go says
// why the child's rusage would be wrong). It is a measurement, not a test: it
// exits 0 when a goal is missed and marks the row MISS; it exits 1 only when
// it cannot measure (a build fails, a get prints no token).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const (
	registry      = "us-east1-docker.pkg.dev"
	vmAccount     = "bench-vm@bench-project.iam.gserviceaccount.com"
	latency       = 100 * time.Millisecond // injected upstream latency of every token request
	floorRuns     = 200                    // warm get vs hello-world pairs: cheap, so many
	gcloudRuns    = 20                     // warm get vs gcloud pairs: ~0.5 s each for gcloud
	warmCount     = 100                    // sequential warm gets whose upstream requests are counted
	coldRuns      = 20                     // cold gets, cache cleared before each
	concurrent    = 32                     // cold gets started together
	rounds        = 5                      // rounds of the concurrent cold gets
	rssRuns       = 10                     // peak RSS runs of ours and hello-world
	gcloudRSSRuns = 5                      // peak RSS runs of gcloud
	rssGoalKiB    = 12e6 / 1024            // 12 MB
)

func main() {
	serve := flag.Bool("serve", false, "set up as for a run (helper, hello-world, fake Google, warm cache), print the environment as shell exports and wait for ^C: for profiling the warm path by hand")
	flag.Parse()
	if err := run(*serve); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench holds what every measurement needs.
type bench struct {
	ctx      context.Context
	dir      string
	root     string // the module's directory
	helper   string // our binary
	hello    string // the floor
	libs     string // hello-world linked with every package the helper links: the floor for a binary that carries them
	gcloud   string // docker-credential-gcloud, "" when not installed
	stdin    string // file holding the registry host
	cacheDir string
	env      []string // our helper's environment
	gcEnv    []string // gcloud's environment
	google   *fakegoogle.Server

	coldWalls, noCacheWalls []time.Duration // of the concurrent cold gets
}

// sample is one process run.
type sample struct {
	wall time.Duration
}

// row is one line of the table.
type row struct {
	metric, ours, baseline, ratio, goal, result string
}

func run(serve bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	if serve {
		ctx, cancel = signal.NotifyContext(context.Background(), os.Interrupt)
	}
	defer cancel()
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dcg-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{ctx: ctx, dir: dir, root: root}
	loadBefore := loadavg()
	fmt.Fprintln(os.Stderr, "bench: building the helper and the hello-world floor")
	if err := b.build(root); err != nil {
		return err
	}
	g, err := fakegoogle.New(fakegoogle.Options{Latency: latency})
	if err != nil {
		return err
	}
	defer g.Close()
	g.SetMetadataAccount("default", vmAccount)
	b.google = g
	if err := b.environ(); err != nil {
		return err
	}

	// The first get fills the cache.
	if _, err := b.get(b.env); err != nil {
		return fmt.Errorf("first get: %w", err)
	}
	if serve {
		return b.serve()
	}
	var rows []row
	for _, measure := range []func() ([]row, error){b.warmVsFloor, b.warmVsGcloud, b.upstream, b.cold, b.rssRows, b.windowsRows} {
		r, err := measure()
		if err != nil {
			return err
		}
		rows = append(rows, r...)
	}
	b.print(rows, loadBefore, loadavg())
	return nil
}

// serve prints the helper's environment and waits for ^C.
func (b *bench) serve() error {
	for _, kv := range b.env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Printf("export %s=%q\n", k, v)
	}
	fmt.Printf("HELPER=%q\nHELLO=%q\nSTDIN=%q\nGCLOUD=%q\n", b.helper, b.hello, b.stdin, b.gcloud)
	fmt.Printf("# gcloud's environment: env -i %s\n", strings.Join(b.gcEnv, " "))
	fmt.Printf("# e.g. (eval \"$(...)\"; $HELPER get <$STDIN)\n")
	<-b.ctx.Done()
	fmt.Fprintf(os.Stderr, "bench: upstream token requests: %d\n", b.google.Count("metadata-token"))
	return nil
}

func (b *bench) warmVsFloor() ([]row, error) {
	fmt.Fprintln(os.Stderr, "bench: warm get vs hello-world")
	warm, floor, ratios, err := b.pairs(floorRuns, func() (sample, error) { return b.get(b.env) }, b.runHello)
	if err != nil {
		return nil, err
	}
	r := median(ratios)
	// Where the time goes: the same pairs against hello-world linked with
	// the helper's libraries (buildLibsFloor).
	libs, floor2, libRatios, err := b.pairs(floorRuns, b.runLibs, b.runHello)
	if err != nil {
		return nil, err
	}
	warm2, libs2, ownRatios, err := b.pairs(floorRuns, func() (sample, error) { return b.get(b.env) }, b.runLibs)
	if err != nil {
		return nil, err
	}
	return []row{{
		metric:   fmt.Sprintf("warm `get` wall time (median of %d pairs)", floorRuns),
		ours:     ms(medianDur(warm)),
		baseline: "hello-world exec " + ms(medianDur(floor)),
		ratio:    fmt.Sprintf("%.2f×", r),
		goal:     "≤ 1.5×",
		result:   verdict(r <= 1.5),
	}, {
		metric:   fmt.Sprintf("of which: hello-world linked with the helper's libraries, no work (median of %d pairs)", floorRuns),
		ours:     ms(medianDur(libs)),
		baseline: "hello-world exec " + ms(medianDur(floor2)),
		ratio:    fmt.Sprintf("%.2f×", median(libRatios)),
		goal:     "—",
		result:   "info",
	}, {
		metric:   fmt.Sprintf("of which: our code on the warm path (median of %d pairs)", floorRuns),
		ours:     ms(medianDur(warm2)),
		baseline: "libraries floor " + ms(medianDur(libs2)),
		ratio:    fmt.Sprintf("%.2f×", median(ownRatios)),
		goal:     "—",
		result:   "info",
	}}, nil
}

func (b *bench) warmVsGcloud() ([]row, error) {
	if b.gcloud == "" {
		return []row{{metric: "warm `get` vs docker-credential-gcloud get", result: "SKIPPED: docker-credential-gcloud not installed"}}, nil
	}
	fmt.Fprintln(os.Stderr, "bench: warm get vs docker-credential-gcloud get")
	for range 2 { // gcloud's first calls fill its own caches
		if _, err := b.runGcloud(); err != nil {
			return nil, err
		}
	}
	// Runs are sequential: the requests during a run are that run's.
	var oursFetched, gcFetched int
	counted := func(n *int, f func() (sample, error)) func() (sample, error) {
		return func() (sample, error) {
			before := b.google.Count("metadata-token")
			s, err := f()
			*n += b.google.Count("metadata-token") - before
			return s, err
		}
	}
	ours, gc, ratios, err := b.pairs(gcloudRuns, counted(&oursFetched, func() (sample, error) { return b.get(b.env) }), counted(&gcFetched, b.runGcloud))
	if err != nil {
		return nil, err
	}
	r := 1 / median(ratios)
	return []row{{
		metric:   fmt.Sprintf("warm `get` wall time (median of %d pairs)", gcloudRuns),
		ours:     ms(medianDur(ours)),
		baseline: "docker-credential-gcloud get " + ms(medianDur(gc)),
		ratio:    fmt.Sprintf("%.0f× faster", r),
		goal:     "≥ 50× faster",
		result:   verdict(r >= 50),
	}, {
		metric:   fmt.Sprintf("upstream token requests during those %d pairs (both warm)", gcloudRuns),
		ours:     fmt.Sprint(oursFetched),
		baseline: fmt.Sprint("docker-credential-gcloud ", gcFetched),
		ratio:    "—",
		goal:     "—",
		result:   "info",
	}}, nil
}

func (b *bench) upstream() ([]row, error) {
	fmt.Fprintln(os.Stderr, "bench: upstream requests")
	b.google.ResetCounts()
	for range warmCount {
		if _, err := b.get(b.env); err != nil {
			return nil, err
		}
	}
	warm := b.google.Count("metadata-token")
	var counts []string
	ok := true
	for range rounds {
		n, walls, err := b.concurrentCold(b.env)
		if err != nil {
			return nil, err
		}
		counts = append(counts, fmt.Sprint(n))
		b.coldWalls = append(b.coldWalls, walls...)
		ok = ok && n == 1
	}
	noCache := append(slices.Clone(b.env), "DOCKER_CREDENTIAL_GCR_NO_CACHE=1")
	nc, ncWalls, err := b.concurrentCold(noCache)
	if err != nil {
		return nil, err
	}
	b.noCacheWalls = ncWalls
	return []row{{
		metric:   fmt.Sprintf("upstream token requests, %d sequential warm gets", warmCount),
		ours:     fmt.Sprint(warm),
		baseline: "—",
		ratio:    "—",
		goal:     "0",
		result:   verdict(warm == 0),
	}, {
		metric:   fmt.Sprintf("upstream token requests, %d concurrent cold gets (%d rounds)", concurrent, rounds),
		ours:     strings.Join(counts, ", "),
		baseline: fmt.Sprintf("%d with the cache off (one request per call, as other helpers)", nc),
		ratio:    fmt.Sprintf("%d× fewer", nc),
		goal:     "exactly 1",
		result:   verdict(ok),
	}}, nil
}

func (b *bench) cold() ([]row, error) {
	fmt.Fprintln(os.Stderr, "bench: cold get")
	var cold []sample
	b.google.ResetCounts()
	for range coldRuns {
		if err := os.RemoveAll(b.cacheDir); err != nil {
			return nil, err
		}
		s, err := b.get(b.env)
		if err != nil {
			return nil, err
		}
		cold = append(cold, s)
	}
	if n := b.google.Count("metadata-token"); n != coldRuns {
		return nil, fmt.Errorf("%d cold gets made %d upstream token requests, want one each", coldRuns, n)
	}
	c := medianDur(cold)
	p, nc := percentile(b.coldWalls, 90), percentile(b.noCacheWalls, 90)
	p50, nc50 := percentile(b.coldWalls, 50), percentile(b.noCacheWalls, 50)
	return []row{{
		metric:   fmt.Sprintf("cold `get` wall time, one upstream fetch (median of %d)", coldRuns),
		ours:     ms(c),
		baseline: "upstream latency " + ms(latency),
		ratio:    fmt.Sprintf("%.2f×", float64(c)/float64(latency)),
		goal:     "—",
		result:   "info",
	}, {
		metric:   fmt.Sprintf("p50 / p90 wall time of %d concurrent cold gets (%d rounds); ratio of p90s", concurrent, rounds),
		ours:     ms(p50) + " / " + ms(p),
		baseline: "cache off " + ms(nc50) + " / " + ms(nc),
		ratio:    fmt.Sprintf("%.2f×", float64(p)/float64(nc)),
		goal:     "—",
		result:   "info",
	}}, nil
}

// rssRows measures with the cache warm (the last cold get filled it).
func (b *bench) rssRows() ([]row, error) {
	fmt.Fprintln(os.Stderr, "bench: peak RSS")
	checkGet := func(out []byte) error { return checkCredential("docker-credential-gcr get", "oauth2accesstoken", out) }
	ours, err := b.rss(rssRuns, b.helper, b.env, checkGet, "get")
	if err != nil {
		return nil, err
	}
	checkHello := func(out []byte) error {
		if string(out) != "hello, world\n" {
			return fmt.Errorf("hello-world printed %q", out)
		}
		return nil
	}
	floor, err := b.rss(rssRuns, b.hello, b.env, checkHello)
	if err != nil {
		return nil, err
	}
	rows := []row{{
		metric:   fmt.Sprintf("peak RSS of a warm `get` (median of %d)", rssRuns),
		ours:     mib(ours),
		baseline: "hello-world " + mib(floor),
		ratio:    fmt.Sprintf("%.1f×", float64(ours)/float64(floor)),
		goal:     "≤ 12 MB",
		result:   verdict(float64(ours) <= rssGoalKiB),
	}}
	if b.gcloud != "" {
		checkGcloud := func(out []byte) error { return checkCredential("docker-credential-gcloud get", "_dcgcloud_token", out) }
		gc, err := b.rss(gcloudRSSRuns, b.gcloud, b.gcEnv, checkGcloud, "get")
		if err != nil {
			return nil, err
		}
		rows = append(rows, row{
			metric:   fmt.Sprintf("peak RSS of a warm `get`, largest process (median of %d)", gcloudRSSRuns),
			ours:     mib(ours),
			baseline: "docker-credential-gcloud get " + mib(gc),
			ratio:    fmt.Sprintf("%.1f× less", float64(gc)/float64(ours)),
			goal:     "—",
			result:   "info",
		})
	}
	return rows, nil
}

// moduleRoot is the directory of the module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("run from inside the module (make bench)")
	}
	return filepath.Dir(gomod), nil
}

// build compiles the helper as `make build` does and a hello-world Go
// binary with the same flags.
func (b *bench) build(root string) error {
	flags := []string{"build", "-trimpath", "-ldflags=-s -w", "-o"} // as the release, for the floors too
	b.helper = filepath.Join(b.dir, "bin", "docker-credential-gcr")
	if err := testenv.Build(b.ctx, b.helper, testenv.BuildOptions{Dir: root, Release: true}); err != nil {
		return err
	}
	src := filepath.Join(b.dir, "hello")
	if err := os.MkdirAll(src, 0o700); err != nil {
		return err
	}
	files := map[string]string{
		"go.mod":  "module hello\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	b.hello = filepath.Join(b.dir, "hello-world")
	cmd := exec.CommandContext(b.ctx, "go", append(flags, b.hello, ".")...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build hello-world: %w\n%s", err, out)
	}
	if err := b.buildLibsFloor(root, flags); err != nil {
		return err
	}
	if p, err := exec.LookPath("docker-credential-gcloud"); err == nil {
		b.gcloud = p
	}
	return nil
}

// buildLibsFloor builds hello-world with a blank import of the helper's cmd
// package: every package the helper links runs its init and its binary
// carries their data, but main does none of the helper's work. The
// difference between it and hello-world is what the libraries cost (net/http
// and TLS, x/oauth2/google, cobra, go-keyring's D-Bus...), the difference
// between the helper and it is what our own code costs. The file exists
// only in a go build -overlay, so the module is not touched.
func (b *bench) buildLibsFloor(root string, flags []string) error {
	const mainGo = "package main\n\nimport (\n\t\"fmt\"\n\n\t_ \"github.com/docker-credential-gcr/docker-credential-gcr/cmd\"\n)\n\nfunc main() { fmt.Println(\"hello, world\") }\n"
	src := filepath.Join(b.dir, "libs-floor.go")
	if err := os.WriteFile(src, []byte(mainGo), 0o600); err != nil {
		return err
	}
	virtual := filepath.Join(root, "e2e", "bench", "libsfloor", "main.go")
	overlay, err := json.Marshal(map[string]map[string]string{"Replace": {virtual: src}})
	if err != nil {
		return err
	}
	overlayFile := filepath.Join(b.dir, "overlay.json")
	if err := os.WriteFile(overlayFile, overlay, 0o600); err != nil {
		return err
	}
	b.libs = filepath.Join(b.dir, "libs-floor")
	cmd := exec.CommandContext(b.ctx, "go", append(append([]string{"build", "-overlay=" + overlayFile}, flags[1:]...), b.libs, "./e2e/bench/libsfloor")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the libraries floor: %w\n%s", err, out)
	}
	return nil
}

// environ isolates every process in the temp dir.
func (b *bench) environ() error {
	home := filepath.Join(b.dir, "home")
	if err := testenv.MakeDirs(home); err != nil {
		return err
	}
	b.stdin = filepath.Join(b.dir, "stdin")
	if err := os.WriteFile(b.stdin, []byte(registry+"\n"), 0o600); err != nil {
		return err
	}
	// One isolated user (internal/testenv): its gcloud config is empty, so
	// gcloud falls back to the metadata server, which both reach.
	vars := testenv.Isolated(home, strings.TrimPrefix(b.google.URL, "http://"))
	b.cacheDir = filepath.Join(vars["XDG_CACHE_HOME"], "docker-credential-gcr")
	// Our helper: only its own dir on PATH, so the gcloud source finds no
	// gcloud and is skipped at once.
	binDir := filepath.Dir(b.helper)
	if _, err := os.Stat(filepath.Join(binDir, "gcloud")); err == nil {
		return errors.New("gcloud in the helper's PATH")
	}
	ours, gcloud := maps.Clone(vars), maps.Clone(vars)
	ours["PATH"] = binDir
	gcloud["PATH"] = os.Getenv("PATH") // gcloud needs python
	b.env, b.gcEnv = testenv.Environ(ours), testenv.Environ(gcloud)
	return nil
}

// exec runs bin with env and the registry host on stdin, and returns its
// wall time (fork to reaped) and peak RSS, and its stdout.
func (b *bench) exec(bin string, env []string, args ...string) (sample, []byte, error) {
	in, err := os.Open(b.stdin)
	if err != nil {
		return sample{}, nil, err
	}
	defer in.Close()
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(b.ctx, bin, args...)
	cmd.Env = env
	cmd.Dir = b.dir
	cmd.Stdin = in
	cmd.Stdout = &out
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, nil, fmt.Errorf("%s %s: %w\nstdout: %s\nstderr: %s", filepath.Base(bin), strings.Join(args, " "), err, out.Bytes(), stderr.Bytes())
	}
	return sample{wall: wall}, out.Bytes(), nil
}

// rss returns the median peak RSS, in KiB, of n runs of bin (see peakRSS),
// each checked by check.
func (b *bench) rss(n int, bin string, env []string, check func([]byte) error, args ...string) (int64, error) {
	var ks []float64
	for range n {
		in, err := os.Open(b.stdin)
		if err != nil {
			return 0, err
		}
		out, err := os.CreateTemp(b.dir, "stdout-")
		if err != nil {
			in.Close()
			return 0, err
		}
		kib, status, err := peakRSS(append([]string{bin}, args...), env, b.dir, []*os.File{in, out, out})
		in.Close()
		out.Close()
		text, _ := os.ReadFile(out.Name())
		os.Remove(out.Name())
		if err == nil && status != 0 {
			err = fmt.Errorf("exit status %d: %.300q", status, text)
		}
		if err == nil {
			err = check(text)
		}
		if err != nil {
			return 0, fmt.Errorf("peak RSS of %s: %w", filepath.Base(bin), err)
		}
		ks = append(ks, float64(kib))
	}
	return int64(median(ks)), nil
}

// get runs our helper's get and checks that it printed a fake token.
func (b *bench) get(env []string) (sample, error) {
	s, out, err := b.exec(b.helper, env, "get")
	if err != nil {
		return s, err
	}
	return s, checkCredential("docker-credential-gcr get", "oauth2accesstoken", out)
}

func (b *bench) runGcloud() (sample, error) {
	s, out, err := b.exec(b.gcloud, b.gcEnv, "get")
	if err != nil {
		return s, err
	}
	return s, checkCredential("docker-credential-gcloud get", "_dcgcloud_token", out)
}

func (b *bench) runHello() (sample, error) { return b.runHelloWorld(b.hello) }

func (b *bench) runLibs() (sample, error) { return b.runHelloWorld(b.libs) }

func (b *bench) runHelloWorld(bin string) (sample, error) {
	s, out, err := b.exec(bin, b.env)
	if err == nil && string(out) != "hello, world\n" {
		err = fmt.Errorf("%s printed %q", filepath.Base(bin), out)
	}
	return s, err
}

// checkCredential checks the protocol's answer carries a token of the fake
// under user (gcloud's helper answers "_dcgcloud_token").
func checkCredential(who, user string, out []byte) error {
	var c struct{ Username, Secret string }
	if err := json.Unmarshal(out, &c); err != nil || c.Username != user || !strings.HasPrefix(c.Secret, "ya29.fake-") {
		return fmt.Errorf("%s printed no token of the fake Google: %.200q", who, out)
	}
	return nil
}

// pairs runs a and b n times each, alternating which goes first, and
// returns both sets of samples and the per-pair ratios a/b.
func (b *bench) pairs(n int, fa, fb func() (sample, error)) (as, bs []sample, ratios []float64, err error) {
	for i := range n {
		var sa, sb sample
		if i%2 == 0 {
			if sa, err = fa(); err == nil {
				sb, err = fb()
			}
		} else {
			if sb, err = fb(); err == nil {
				sa, err = fa()
			}
		}
		if err != nil {
			return nil, nil, nil, err
		}
		as, bs = append(as, sa), append(bs, sb)
		ratios = append(ratios, float64(sa.wall)/float64(sb.wall))
	}
	return as, bs, ratios, nil
}

// concurrentCold empties the cache, starts `concurrent` gets at once and
// returns the upstream token requests they made and their wall times.
func (b *bench) concurrentCold(env []string) (int, []time.Duration, error) {
	if err := os.RemoveAll(b.cacheDir); err != nil {
		return 0, nil, err
	}
	b.google.ResetCounts()
	start := make(chan struct{})
	walls := make([]time.Duration, concurrent)
	errs := make([]error, concurrent)
	var wg sync.WaitGroup
	for i := range concurrent {
		wg.Go(func() {
			<-start
			s, err := b.get(env)
			walls[i], errs[i] = s.wall, err
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, nil, err
	}
	return b.google.Count("metadata-token"), walls, nil
}

func (b *bench) print(rows []row, loadBefore, loadAfter string) {
	goVersion := runtime.Version()
	if out, err := exec.CommandContext(b.ctx, "go", "version").Output(); err == nil {
		goVersion = strings.TrimSpace(string(out))
	}
	fmt.Printf("Machine: %s/%s, nproc %d, %s; load average before %s, after %s\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), goVersion, loadBefore, loadAfter)
	fmt.Printf("Upstream: fake metadata server, %s injected latency per token request; the helper's token comes from the metadata source (gcloud not on its PATH).\n", ms(latency))
	fmt.Printf("Reproduce: make bench\n\n")
	fmt.Println("| metric | ours | baseline | ratio | goal | result |")
	fmt.Println("|---|---|---|---|---|---|")
	missed := 0
	for _, r := range rows {
		if r.result == "**MISS**" {
			missed++
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", r.metric, r.ours, r.baseline, r.ratio, r.goal, r.result)
	}
	fmt.Println()
	if missed > 0 {
		fmt.Printf("%d goal(s) MISSED (a measurement, not a test: exit status 0).\n", missed)
	} else {
		fmt.Println("Every goal met.")
	}
}

func verdict(ok bool) string {
	if ok {
		return "pass"
	}
	return "**MISS**"
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func medianDur(ss []sample) time.Duration {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = float64(s.wall)
	}
	return time.Duration(median(xs))
}

// percentile is the nearest-rank p-th percentile.
func percentile(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (p*len(s)+99)/100 - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
