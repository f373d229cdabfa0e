package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Hint says how to install every tool the tests run.
const Hint = "run `make deps goreleaser`, which installs the Debian packages and the Go tools at pinned versions (scripts/install-test-deps.sh) and says how to get docker and gcloud"

// ToolsDir is where `make deps` puts the Go tools: the module's .tools/bin.
func ToolsDir() string {
	dir, err := ModuleDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, ".tools", "bin")
}

// LookPath finds a tool on PATH, then in ToolsDir.
func LookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if d := ToolsDir(); d != "" {
		if p, err2 := exec.LookPath(filepath.Join(d, name)); err2 == nil {
			return p, nil
		}
	}
	return "", err
}

// Missing returns those of tools that LookPath cannot find.
func Missing(tools ...string) []string {
	var out []string
	for _, t := range tools {
		if _, err := LookPath(t); err != nil {
			out = append(out, t)
		}
	}
	return out
}

// Need skips t, naming the missing tools and how to get them, unless every
// one of tools is found; in CI (CI set) it fails t instead: CI never skips.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	if missing := Missing(tools...); len(missing) > 0 {
		Skip(t, fmt.Sprintf("%s not installed; %s", strings.Join(missing, ", "), Hint))
	}
}

// Tool is Need for one tool; it returns the tool's path.
func Tool(t testing.TB, name string) string {
	t.Helper()
	Need(t, name)
	p, _ := LookPath(name)
	return p
}

// Skip skips t saying why ("SKIP: why"), or fails it in CI.
func Skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI must never skip)", why)
	}
	t.Skip("SKIP: " + why)
}
