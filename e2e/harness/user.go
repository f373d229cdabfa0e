package harness

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/redact"
)

// User is one isolated user of the world: a home dir and its environment.
type User struct {
	W    *World
	Home string
	Env  []string
}

// NewUser makes a user with a fresh home under the world's dir.
func (w *World) NewUser(name string) (*User, error) {
	home, err := os.MkdirTemp(w.Dir, name+"-")
	if err != nil {
		return nil, err
	}
	return &User{W: w, Home: home, Env: w.Env(home)}, nil
}

// Setenv adds or replaces a variable of the user's environment.
func (u *User) Setenv(k, v string) {
	for i, kv := range u.Env {
		if len(kv) > len(k) && kv[:len(k)+1] == k+"=" {
			u.Env[i] = k + "=" + v
			return
		}
	}
	u.Env = append(u.Env, k+"="+v)
}

// Result is what a shell line printed.
type Result struct {
	Script         string
	Stdout, Stderr string
	Err            error
}

// String is the run for a failure message: tokens, keys and passwords in
// its output are redacted (redact.String), since a test message is a log.
func (r Result) String() string {
	return fmt.Sprintf("$ %s\n%s%s(err: %v)", r.Script, redact.String(r.Stdout), redact.String(r.Stderr), r.Err)
}

// Sh runs script with bash in the user's home and environment, as the
// user would type it, bounded by two minutes.
func (u *User) Sh(script string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", script)
	c.Dir = u.Home
	c.Env = u.Env
	c.WaitDelay = 5 * time.Second
	var o, e bytes.Buffer
	c.Stdout, c.Stderr = &o, &e
	err := c.Run()
	return Result{Script: script, Stdout: o.String(), Stderr: e.String(), Err: err}
}

// WriteFile writes data under the user's home (0600) and returns the path.
func (u *User) WriteFile(name string, data []byte) (string, error) {
	p := filepath.Join(u.Home, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, data, 0o600)
}

// WriteLayer writes a one-file layer tarball for `crane append -f`.
func (u *User) WriteLayer(name, content string) (string, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)}); err != nil {
		return "", err
	}
	tw.Write([]byte(content))
	if err := tw.Close(); err != nil {
		return "", err
	}
	return u.WriteFile(name, b.Bytes())
}
