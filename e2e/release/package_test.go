//go:build e2e

// Package release proves the Linux package a user installs: goreleaser's
// snapshot .deb for linux/amd64, read with dpkg-deb and run.
package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

// snapshotConfig is .goreleaser.yaml built for linux/amd64 only, into dist.
func snapshotConfig(t *testing.T, dist string) string {
	t.Helper()
	b, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for old, new := range map[string]string{
		"\n    goos: [linux, darwin, windows]\n": "\n    goos: [linux]\n",
		"\n    goarch: [amd64, arm64]\n":         "\n    goarch: [amd64]\n",
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf(".goreleaser.yaml has no line %q to narrow the build to linux/amd64; update this test", strings.TrimSpace(old))
		}
		cfg = strings.Replace(cfg, old, new, 1)
	}
	p := filepath.Join(t.TempDir(), "goreleaser.yaml")
	if err := os.WriteFile(p, []byte(cfg+"\ndist: "+dist+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDebPackage builds the snapshot .deb (one target, to keep CI quick),
// checks its control data, extracts it and runs the binary it installs.
func TestDebPackage(t *testing.T) {
	testenv.Need(t, "goreleaser", "dpkg-deb", "git")
	dist := filepath.Join(t.TempDir(), "dist")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// before (go mod tidy -diff) and homebrew (a cask needs the darwin
	// archives) are the full release's business.
	gr := exec.CommandContext(ctx, testenv.Tool(t, "goreleaser"), "release", "--snapshot", "--clean", "--skip=before,homebrew", "--config", snapshotConfig(t, dist))
	gr.Dir = "../.."
	if out, err := gr.CombinedOutput(); err != nil {
		t.Fatalf("goreleaser release --snapshot: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dist, "docker-credential-gcr_*_linux_amd64.deb"))
	rpms, _ := filepath.Glob(filepath.Join(dist, "docker-credential-gcr_*_linux_amd64.rpm"))
	tgzs, _ := filepath.Glob(filepath.Join(dist, "docker-credential-gcr_*_linux_amd64.tar.gz"))
	if len(debs) != 1 || len(rpms) != 1 || len(tgzs) != 1 {
		t.Fatalf("dist has debs %v, rpms %v, archives %v; want one of each for linux/amd64", debs, rpms, tgzs)
	}

	info, err := exec.Command("dpkg-deb", "-I", debs[0]).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb -I: %v\n%s", err, info)
	}
	for _, want := range []string{"Package: docker-credential-gcr\n", "Architecture: amd64\n", "Maintainer: ", "Homepage: ", "Description: Docker credential helper for Google Artifact Registry"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("dpkg-deb -I lacks %q:\n%s", want, info)
		}
	}
	m := regexp.MustCompile(`(?m)^ Version: (\S+)$`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("dpkg-deb -I has no Version:\n%s", info)
	}
	version := strings.Replace(string(m[1]), "~", "-", 1) // deb writes the pre-release dash as ~

	root := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], root).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -x: %v\n%s", err, out)
	}
	license, _ := os.ReadFile("../../LICENSE")
	for _, f := range []string{"LICENSE", "copyright", "README.md"} {
		b, err := os.ReadFile(filepath.Join(root, "usr/share/doc/docker-credential-gcr", f))
		if err != nil || len(b) == 0 {
			t.Errorf("the package lacks /usr/share/doc/docker-credential-gcr/%s: %v", f, err)
		}
		if f != "README.md" && !bytes.Equal(b, license) {
			t.Errorf("/usr/share/doc/docker-credential-gcr/%s differs from LICENSE", f)
		}
	}
	if !strings.Contains(string(license), "Apache License") || !strings.Contains(string(license), "Version 2.0, January 2004") {
		t.Errorf("LICENSE is not the Apache License 2.0")
	}
	out, err := exec.Command(filepath.Join(root, "usr/bin/docker-credential-gcr"), "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "docker-credential-gcr "+version+" (commit ") {
		t.Errorf("/usr/bin/docker-credential-gcr version = %q, %v; want version %s, as the package says", out, err, version)
	}

	if b, _ := os.ReadFile(rpms[0]); !bytes.HasPrefix(b, []byte{0xed, 0xab, 0xee, 0xdb}) {
		t.Errorf("%s is not an RPM package (no lead magic)", filepath.Base(rpms[0]))
	}
	files := tarNames(t, tgzs[0])
	for _, want := range []string{"docker-credential-gcr", "README.md", "LICENSE"} {
		if !files[want] {
			t.Errorf("the archive %s lacks %s (has %v)", filepath.Base(tgzs[0]), want, files)
		}
	}
}

func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	tr := tar.NewReader(z)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		names[h.Name] = true
	}
}
