package harness

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/testenv"
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

// Result is what a shell line printed (Script, Stdout, Stderr, Err); its
// String redacts tokens, keys and passwords, since a test message is a log.
type Result = testenv.Result

// Sh runs script with bash in the user's home and environment, as the
// user would type it, bounded by two minutes.
func (u *User) Sh(script string) Result {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", script)
	c.Dir = u.Home
	c.Env = u.Env
	c.WaitDelay = 5 * time.Second
	r := testenv.Run(c)
	r.Script = script
	return r
}

// WriteFile writes data under the user's home (0600) and returns the path.
func (u *User) WriteFile(name string, data []byte) (string, error) {
	p := filepath.Join(u.Home, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, data, 0o600)
}

// WriteLayer writes a one-file layer tarball (testenv.Layer) for
// `crane append -f`.
func (u *User) WriteLayer(name, content string) (string, error) {
	return u.WriteFile(name, testenv.Layer(content))
}
