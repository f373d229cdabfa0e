package cmd_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
)

const bom = "\xef\xbb\xbf"

// TestWindowsWrittenFiles: a settings file and a config.json saved by
// Notepad ("UTF-8 with BOM", CRLF) are read, the byte order mark skipped.
// The docker CLI cannot read a config.json that starts with a BOM (28.2.2:
// "WARNING: Error parsing config file ...: invalid character 'ï'", and it
// ignores the whole file), so configure-docker removes it, says so, and
// keeps every other byte; doctor names it as a problem.
func TestWindowsWrittenFiles(t *testing.T) {
	p := newProc(t)
	settingsFile := filepath.Join(p.Vars["XDG_CONFIG_HOME"], "docker-credential-gcr", "config.json")
	writeFile(t, settingsFile, bom+"{\r\n  \"token_sources\": [\"metadata\"],\r\n  \"registries\": [\"registry.example.com\"]\r\n}\r\n")
	if out, stderr, code := p.run("registry.example.com", "get"); code != 0 || !strings.Contains(out, `"Username":"oauth2accesstoken"`) {
		t.Errorf("get of a host registered in a settings file with a BOM = exit %d, %q, %q; want a token", code, out, stderr)
	}

	cfg := filepath.Join(p.Vars["DOCKER_CONFIG"], "config.json")
	orig := "{\r\n\t\"auths\": {\r\n\t\t\"ghcr.io\": {}\r\n\t},\r\n\t\"psFormat\": \"table {{.ID}}\",\r\n\t\"credHelpers\": {\r\n\t\t\"eu.gcr.io\": \"gcloud\"\r\n\t}\r\n}\r\n"
	writeFile(t, cfg, bom+orig)
	_, stderr, code := p.run("", "doctor")
	if code == 0 || !strings.Contains(stderr, "byte order mark") || !strings.Contains(stderr, cfg) {
		t.Errorf("doctor on a config.json with a BOM = exit %d, %q; want a problem naming the file and the byte order mark", code, stderr)
	}

	_, stderr, code = p.run("", "configure-docker", "gcr.io")
	if code != 0 || !strings.Contains(stderr, "byte order mark") {
		t.Errorf("configure-docker on a config.json with a BOM = exit %d, %q; want it edited and the BOM's removal said", code, stderr)
	}
	want, _, err := configfile.SetCredHelpers([]byte(orig), []string{"gcr.io"}, "gcr", false)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(cfg); string(got) != string(want) {
		t.Errorf("config.json after configure-docker =\n%q\nwant (the BOM gone, every other byte kept)\n%q", got, want)
	}
	if _, err := exec.LookPath("docker"); err == nil {
		c := exec.Command("docker", "context", "ls")
		c.Env = testenv.Environ(p.Vars)
		if out, _ := c.CombinedOutput(); strings.Contains(string(out), "Error parsing config file") {
			t.Errorf("docker cannot read the config.json configure-docker wrote: %s", out)
		}
	}

	// A run that adds nothing still removes the BOM: docker ignores the file
	// until it is gone.
	writeFile(t, cfg, bom+string(want))
	_, stderr, code = p.run("", "configure-docker", "gcr.io")
	if got, _ := os.ReadFile(cfg); code != 0 || string(got) != string(want) || !strings.Contains(stderr, "byte order mark") {
		t.Errorf("configure-docker (nothing to add) on a config.json with a BOM = exit %d, %q, file %q; want the BOM removed", code, stderr, got)
	}
}

// writeFile writes data at path, making its directory.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// names lists dir's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, de := range des {
		out = append(out, de.Name())
	}
	return out
}
