//go:build unix

package cmd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
)

// TestKilledRunsDebris: a run SIGKILLed between creating its temp file and
// the rename leaves a copy of the file beside it (config.json's auths, the
// credential file's secrets, the settings). The next run that edits the
// file removes the temp files that no running process holds, and keeps
// the one a live writer holds: here this test process holds its flock, as
// a writer does from creating its temp file until after the rename.
func TestKilledRunsDebris(t *testing.T) {
	p := newProc(t)
	settingsDir := filepath.Join(p.Vars["XDG_CONFIG_HOME"], "docker-credential-gcr")
	tests := []struct {
		name  string
		file  string // the file the command writes
		stdin string
		args  []string
	}{
		{"configure-docker", filepath.Join(p.Vars["DOCKER_CONFIG"], "config.json"), "", []string{"configure-docker", "gcr.io"}},
		{"store", filepath.Join(settingsDir, "credentials.json"), `{"ServerURL":"registry.example.com","Username":"me","Secret":"pa55word"}`, []string{"store"}},
		{"config", filepath.Join(settingsDir, "config.json"), "", []string{"config", "--token-source=metadata"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, base := filepath.Dir(tt.file), filepath.Base(tt.file)
			dead := filepath.Join(dir, "."+base+".tmp-1234567")
			live := filepath.Join(dir, "."+base+".tmp-7654321")
			writeFile(t, dead, `{"registry.example.com": {"username": "me", "secret": "planted-sec`)
			writeFile(t, live, `{"being": "written"`)
			unlock, err := fsutil.Lock(context.Background(), live, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()

			if _, stderr, code := p.run(tt.stdin, tt.args...); code != 0 {
				t.Fatalf("%v = exit %d: %s", tt.args, code, stderr)
			}
			if _, err := os.Stat(dead); !os.IsNotExist(err) {
				t.Errorf("%s left the temp file of a killed run (%v)", tt.name, err)
			}
			if _, err := os.Stat(live); err != nil {
				t.Errorf("%s removed the temp file a running writer holds: %v", tt.name, err)
			}
			if _, err := os.Stat(tt.file); err != nil {
				t.Errorf("%s did not write %s: %v", tt.name, tt.file, err)
			}
			unlock()
			os.Remove(live)
			var left []string
			for _, n := range names(t, dir) {
				if strings.Contains(n, ".tmp-") {
					left = append(left, n)
				}
			}
			if len(left) > 0 {
				t.Errorf("%s left %q", tt.name, left)
			}
		})
	}
}
