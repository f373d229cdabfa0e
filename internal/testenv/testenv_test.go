package testenv

import (
	"encoding/json"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

func TestMain(m *testing.M) { Main(m) }

// A process of an Env sees exactly Vars, whatever the test process has.
func TestNothingInherited(t *testing.T) {
	if _, err := exec.LookPath("env"); err != nil {
		t.Skip("SKIP: no env program")
	}
	t.Setenv("DCG_TESTENV_OUTSIDE", "leaked")
	e := New(t, fakegoogle.Options{})
	c := exec.Command("env")
	c.Env = Environ(e.Vars)
	r := Run(c)
	got := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	slices.Sort(got)
	if r.Err != nil || !slices.Equal(got, Environ(e.Vars)) {
		t.Errorf("env in an Env = %q (%v), want exactly %q", got, r.Err, Environ(e.Vars))
	}
	for _, k := range []string{"HOME", "DOCKER_CONFIG", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR", "CLOUDSDK_CONFIG"} {
		if !strings.HasPrefix(e.Vars[k], e.Home) {
			t.Errorf("%s = %q, want it under HOME %s", k, e.Vars[k], e.Home)
		}
	}
}

// The binary runs as the fake's VM, and a scan sees the token it printed.
func TestRunGet(t *testing.T) {
	e := New(t, fakegoogle.Options{})
	r := e.Run("gcr.io", "get")
	var c struct{ Secret string }
	if r.Code != 0 || json.Unmarshal([]byte(r.Stdout), &c) != nil {
		t.Fatalf("get = %s, want a credential", r)
	}
	if p, ok := e.Google.Principal(c.Secret); !ok || p != VMAccount {
		t.Errorf("get: a token of %q (%v), want %s", p, ok, VMAccount)
	}
	if len(e.Secrets.Find(r.Stdout)) != 1 {
		t.Errorf("Find(get's answer) = %v, want the token found", e.Secrets.Find(r.Stdout))
	}
	if s := r.String(); strings.Contains(s, c.Secret) {
		t.Errorf("Result.String() shows the token: %s", s)
	}
	if r.Script != "docker-credential-gcr get" {
		t.Errorf("Script = %q, want docker-credential-gcr get", r.Script)
	}
}

// Kill ends the process with a signal.
func TestKill(t *testing.T) {
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("SKIP: no sleep")
	}
	p, err := Start(exec.Command("sleep", "30"))
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if r := p.Wait(); !r.Killed || r.Code != -1 || r.Elapsed > 10*time.Second {
		t.Errorf("killed sleep: Killed %v, Code %d after %s; want true, -1 at once", r.Killed, r.Code, r.Elapsed)
	}
}

// Wait returns when the process exits, though what it left behind holds
// its output open, and then kills what it left.
func TestLeftoversKilled(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("SKIP: no sh")
	}
	r := Run(exec.Command("sh", "-c", "sleep 30 & echo $!"))
	pid := strings.TrimSpace(r.Stdout)
	if r.Err != nil || pid == "" || r.Elapsed > 10*time.Second {
		t.Fatalf("%s after %s, want the pid of the sleep at once", r, r.Elapsed)
	}
	if runtime.GOOS != "linux" {
		return
	}
	// Dead: gone, or a zombie that its new parent has yet to reap. The
	// signal is delivered when the process is next scheduled.
	for deadline := time.Now().Add(5 * time.Second); ; {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		f := strings.Fields(string(stat))
		if err != nil || len(f) > 2 && f[2] == "Z" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the sleep (pid %s) that sh left is still running: %s", pid, stat)
			exec.Command("kill", "-9", pid).Run()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestWith(t *testing.T) {
	e := New(t, fakegoogle.Options{})
	m := e.With("A", "1", "HOME", "")
	if m["A"] != "1" || m["HOME"] != "" || e.Vars["A"] != "" || e.Vars["HOME"] != e.Home {
		t.Errorf("With(A=1, HOME unset) = %v and Vars = %v: want a changed copy", m, e.Vars)
	}
}
