package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// wineRuns is the number of warm get vs hello-world pairs under wine.
const wineRuns = 40

// windowsRows measures the windows/amd64 binary under wine when wine is
// installed: warm get against a hello-world Windows binary, both under
// wine, as a ratio only. Wine's process start-up is not Windows's, so the
// times themselves say nothing about Windows; the ratio says how much the
// helper adds to the floor of starting any Go program there, and the
// upstream count says whether the cache serves the warm gets.
func (b *bench) windowsRows() ([]row, error) {
	const metric = "warm `get` under wine (wine, not Windows): windows/amd64 binary vs a hello-world windows/amd64 binary"
	if missing := harness.WineMissing(); len(missing) > 0 {
		return []row{{metric: metric, ours: "—", baseline: "—", ratio: "—", goal: "—", result: fmt.Sprintf("SKIPPED: %v not installed (make deps)", missing)}}, nil
	}
	fmt.Fprintln(os.Stderr, "bench: warm get vs hello-world, windows/amd64 under wine")
	dir := filepath.Join(b.dir, "wine")
	helper, hello := filepath.Join(dir, "docker-credential-gcr.exe"), filepath.Join(dir, "hello-world.exe")
	if err := b.buildWindows(helper, hello); err != nil {
		return nil, err
	}
	w, err := harness.NewWine(b.ctx, dir)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	docker := filepath.Join(dir, "docker")
	if err := os.MkdirAll(docker, 0o700); err != nil {
		return nil, err
	}
	host := strings.TrimPrefix(b.google.URL, "http://")
	env := []string{"GCE_METADATA_HOST=" + host, "GCE_METADATA_IP=" + host, "DOCKER_CONFIG=" + harness.WinPath(docker)}
	run := func(exe, want string, args ...string) func() (sample, error) {
		return func() (sample, error) {
			in, err := os.Open(b.stdin)
			if err != nil {
				return sample{}, err
			}
			defer in.Close()
			c := w.Command(b.ctx, env, exe, args...)
			var out, stderr bytes.Buffer
			c.Stdin, c.Stdout, c.Stderr = in, &out, &stderr
			start := time.Now()
			err = c.Run()
			s := sample{wall: time.Since(start)}
			if err != nil {
				return s, fmt.Errorf("%s under wine: %w\nstdout: %.300s\nstderr: %.300s", filepath.Base(exe), err, out.Bytes(), stderr.Bytes())
			}
			if want == "" {
				return s, checkCredential(filepath.Base(exe)+" get under wine", "oauth2accesstoken", out.Bytes())
			}
			if out.String() != want {
				return s, fmt.Errorf("%s under wine printed %.100q", filepath.Base(exe), out.Bytes())
			}
			return s, nil
		}
	}
	get, helloRun := run(helper, "", "get"), run(hello, "hello, world\n")
	if _, err := get(); err != nil { // fills the cache
		return nil, fmt.Errorf("first get: %w", err)
	}
	before := b.google.Count("metadata-token")
	_, _, ratios, err := b.pairs(wineRuns, get, helloRun)
	if err != nil {
		return nil, err
	}
	fetched := b.google.Count("metadata-token") - before
	return []row{{
		metric:   fmt.Sprintf("%s (median of %d pairs; upstream token requests during the warm gets: %d)", metric, wineRuns, fetched),
		ours:     "—",
		baseline: "hello-world under wine",
		ratio:    fmt.Sprintf("%.2f×", median(ratios)),
		goal:     "0 upstream requests",
		result:   verdict(fetched == 0),
	}}, nil
}

// buildWindows builds the helper and hello-world for windows/amd64.
func (b *bench) buildWindows(helper, hello string) error {
	if err := testenv.Build(b.ctx, helper, testenv.BuildOptions{Dir: b.root, GOOS: "windows", GOARCH: "amd64", Release: true}); err != nil {
		return fmt.Errorf("windows: %w", err)
	}
	env := append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	flags := []string{"build", "-trimpath", "-ldflags=-s -w", "-o"} // as the helper's
	cmd := exec.CommandContext(b.ctx, "go", append(flags, hello, ".")...)
	cmd.Dir = filepath.Join(b.dir, "hello")
	cmd.Env = append(env, "GOWORK=off", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the windows hello-world: %w\n%s", err, out)
	}
	return nil
}
