package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Module is the module's path; Package the helper's main package.
const (
	Module  = "github.com/docker-credential-gcr/docker-credential-gcr"
	Package = Module + "/cmd/docker-credential-gcr"
)

// BuildOptions says how to build the helper.
type BuildOptions struct {
	Dir    string // a directory of the module; "" is the current one
	GOOS   string // "" is the host's
	GOARCH string
	// Release builds as the release does: -trimpath, -ldflags=-s -w,
	// CGO_ENABLED=0.
	Release bool
	// VCS stamps the revision as a user's `go build` in a checkout does
	// (-buildvcs=auto, which undoes a machine's GOFLAGS=-buildvcs=false;
	// without, where the VCS cannot be read). Otherwise -buildvcs=false:
	// the version is "dev" on every machine.
	VCS bool
}

// Build builds the helper into out.
func Build(ctx context.Context, out string, o BuildOptions) error {
	args := []string{"build", "-o", out}
	if o.Release {
		args = append(args, "-trimpath", "-ldflags=-s -w")
	}
	vcs := []string{"-buildvcs=false"}
	if o.VCS {
		vcs = []string{"-buildvcs=auto", "-buildvcs=false"}
	}
	env := os.Environ()
	if o.GOOS != "" {
		env = append(env, "GOOS="+o.GOOS)
	}
	if o.GOARCH != "" {
		env = append(env, "GOARCH="+o.GOARCH)
	}
	if o.Release {
		env = append(env, "CGO_ENABLED=0")
	}
	var msg []byte
	for _, v := range vcs {
		c := exec.CommandContext(ctx, "go", append(append(args, v), Package)...)
		c.Dir = o.Dir
		c.Env = env
		var err error
		if msg, err = c.CombinedOutput(); err == nil {
			return nil
		} else if !strings.Contains(string(msg), "VCS") {
			return fmt.Errorf("build the helper: %v\n%s", err, msg)
		}
	}
	return fmt.Errorf("build the helper:\n%s", msg)
}

// Exe is the suffix of an executable on the host: ".exe" on Windows.
func Exe() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

var built struct {
	main bool // Main is running the tests
	dir  string
	once sync.Once
	path string
	err  error
}

// Main runs the tests of a package that uses Binary, then removes the
// binary; call it from TestMain.
func Main(m *testing.M) {
	built.main = true
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// Binary is the helper, built once for the test binary (BuildOptions' zero
// value: version "dev") into a temp dir that Main removes.
func Binary(t testing.TB) string {
	t.Helper()
	if !built.main {
		t.Fatal("testenv.Binary: call testenv.Main(m) from the package's TestMain, which removes the binary")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "dcg-bin-"); built.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		built.path = filepath.Join(built.dir, "docker-credential-gcr"+Exe())
		built.err = Build(ctx, built.path, BuildOptions{})
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

var moduleDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	mod := strings.TrimSpace(string(out))
	if err != nil || mod == "" || mod == os.DevNull {
		return "", errors.New("testenv: not inside the module (go env GOMOD)")
	}
	return filepath.Dir(mod), nil
})

// ModuleDir is the module's root directory.
func ModuleDir() (string, error) { return moduleDir() }
