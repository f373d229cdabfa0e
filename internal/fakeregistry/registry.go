package fakeregistry

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Authenticator decides a Basic-auth login at the token endpoint: it returns
// the principal name, or ok=false.
type Authenticator func(username, password string) (principal string, ok bool)

// Options configure a Registry.
type Options struct {
	// Auth: nil means an htpasswd registry (Users below); non-nil means a
	// token-auth registry like Artifact Registry, whose token endpoint asks
	// Auth about each Basic login.
	Auth Authenticator
	// Users are the htpasswd users, name -> password, for the htpasswd mode
	// (at least one).
	Users map[string]string
	// Dir is the working directory for config, storage, certificate and
	// log, normally the caller's temp dir. Empty: a new temp dir that Close
	// removes.
	Dir string

	// Authorize, in token mode, returns the actions principal is granted
	// out of those requested; nil grants everything asked for.
	Authorize func(principal string, requested Access) (granted []string)
	// TokenLifetime is the lifetime of minted registry tokens; default 5m
	// (expires_in 300). docker-registry allows 60 s of leeway past exp.
	TokenLifetime time.Duration
	// Now is the clock for minted tokens and the auth log; default time.Now.
	Now func() time.Time
}

// Registry is a running docker-registry behind a front server.
type Registry struct {
	Host string // "127.0.0.1:PORT" — the front server clients talk to (plain HTTP)

	dir, ownDir string
	logPath     string
	front       *front
	srv         *http.Server
	served      chan struct{}
	transport   *http.Transport

	cmd    *exec.Cmd
	exited chan struct{} // closed when the child has been reaped
	once   sync.Once
	err    error
}

// Restrict makes repository (proj/repo, as in a pull scope) and every
// image under it (proj/repo/image: an Artifact Registry repository holds
// images) an allow-list's: from now on the token endpoint grants actions on
// them only to these principals (what Authorize grants, if set), as Artifact Registry
// grants a repository only to who holds a reader role on it; everybody
// else gets a token without access to it, which the registry refuses.
// Restrict again replaces the list; with no principal nobody is admitted.
// Other repositories are unaffected. Token mode only.
func (r *Registry) Restrict(repository string, principals ...string) {
	r.front.restrict(repository, principals)
}

// Start starts docker-registry as a child process listening on a free
// 127.0.0.1 port, and the front server on another, and returns once /v2/
// answers through both. ctx bounds the start only (default 30 s); the
// registry lives until Close, which the caller must call.
func Start(ctx context.Context, o Options) (*Registry, error) {
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		return nil, fmt.Errorf("fakeregistry: %w (install: apt-get install docker-registry)", err)
	}
	if o.Auth == nil && len(o.Users) == 0 {
		return nil, errors.New("fakeregistry: an htpasswd registry (Options.Auth nil) needs Options.Users")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	r := &Registry{dir: o.Dir, served: make(chan struct{})}
	if r.dir == "" {
		if r.dir, err = os.MkdirTemp("", "fakeregistry-"); err != nil {
			return nil, fmt.Errorf("fakeregistry: %w", err)
		}
		r.ownDir = r.dir
	} else if err := os.MkdirAll(r.dir, 0o755); err != nil {
		return nil, fmt.Errorf("fakeregistry: %w", err)
	}
	r.logPath = filepath.Join(r.dir, "registry.log")
	if err := r.start(ctx, bin, o); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Registry) start(ctx context.Context, bin string, o Options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("fakeregistry: listen: %w", err)
	}
	r.Host = ln.Addr().String()

	var sg *signer
	if o.Auth != nil {
		if sg, err = newSigner(); err != nil {
			ln.Close()
			return err
		}
		if err := os.WriteFile(filepath.Join(r.dir, "token.pem"), sg.certPEM, 0o644); err != nil {
			ln.Close()
			return fmt.Errorf("fakeregistry: write token certificate: %w", err)
		}
	}
	authConf, err := r.authConfig(ctx, o)
	if err != nil {
		ln.Close()
		return err
	}
	// The port is chosen by closing a listener, so another process may take
	// it before docker-registry binds: try again on a fresh one.
	var backend string
	for try := 1; ; try++ {
		backend, err = freePort()
		if err == nil {
			err = r.startChild(ctx, bin, backend, authConf)
		}
		if err == nil || try == 3 || ctx.Err() != nil || !strings.Contains(r.Log(), "address already in use") {
			break
		}
	}
	if err != nil {
		ln.Close()
		return err
	}

	r.transport = &http.Transport{
		Proxy:               nil, // the child is on loopback; never honour HTTP_PROXY
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	f := newFront(&url.URL{Scheme: "http", Host: backend}, r.transport)
	if o.Auth != nil {
		f.token, f.auth, f.authorize, f.signer = true, o.Auth, o.Authorize, sg
	}
	if o.TokenLifetime > 0 {
		f.lifetime = o.TokenLifetime
	}
	if o.Now != nil {
		f.now = o.Now
	}
	r.front = f
	r.srv = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.served)
		r.srv.Serve(ln) // ErrServerClosed on Close
	}()
	return r.waitReady(ctx, "http://"+r.Host+"/v2/")
}

// authConfig writes what the auth section needs and returns it as YAML.
func (r *Registry) authConfig(ctx context.Context, o Options) (string, error) {
	if o.Auth != nil {
		return fmt.Sprintf(`auth:
  token:
    realm: %q
    service: %q
    issuer: %q
    rootcertbundle: %q
`, "http://"+r.Host+TokenPath, Service, Issuer, filepath.Join(r.dir, "token.pem")), nil
	}
	path := filepath.Join(r.dir, "htpasswd")
	if err := writeHtpasswd(ctx, path, o.Users); err != nil {
		return "", err
	}
	return fmt.Sprintf(`auth:
  htpasswd:
    realm: %q
    path: %q
`, "fakeregistry", path), nil
}

// writeHtpasswd writes bcrypt entries made by `htpasswd -Bin`, passwords
// on stdin rather than in argv.
func writeHtpasswd(ctx context.Context, path string, users map[string]string) error {
	bin, err := exec.LookPath("htpasswd")
	if err != nil {
		return fmt.Errorf("fakeregistry: %w (install: apt-get install apache2-utils)", err)
	}
	var buf bytes.Buffer
	names := make([]string, 0, len(users))
	for u := range users {
		names = append(names, u)
	}
	slices.Sort(names)
	for _, u := range names {
		cmd := exec.CommandContext(ctx, bin, "-Bin", "-C", "5", u)
		cmd.Stdin = strings.NewReader(users[u] + "\n")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		line, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("fakeregistry: htpasswd for user %q: %w: %s", u, err, strings.TrimSpace(stderr.String()))
		}
		buf.Write(bytes.TrimSpace(line))
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("fakeregistry: write htpasswd: %w", err)
	}
	return nil
}

// startChild writes the config for addr and starts docker-registry on it,
// its output appended to the log file.
func (r *Registry) startChild(ctx context.Context, bin, addr, authConf string) error {
	storage := filepath.Join(r.dir, "storage")
	if err := os.MkdirAll(storage, 0o755); err != nil {
		return fmt.Errorf("fakeregistry: %w", err)
	}
	conf := fmt.Sprintf(`version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: %q
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
  redirect:
    disable: true
http:
  addr: %q
  secret: %q
  relativeurls: true
  draintimeout: 2s
  headers:
    X-Content-Type-Options: [nosniff]
%s`, storage, addr, rand.Text(), authConf)
	confPath := filepath.Join(r.dir, "config.yml")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return fmt.Errorf("fakeregistry: write config: %w", err)
	}
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("fakeregistry: open log: %w", err)
	}
	defer logf.Close() // the child holds its own copy
	cmd := exec.Command(bin, "serve", confPath)
	cmd.Dir = r.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// REGISTRY_* variables would override the config: pass none.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + r.dir}
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("fakeregistry: start docker-registry: %w", err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	go func() {
		cmd.Wait()
		close(r.exited)
	}()
	if err := r.waitReady(ctx, "http://"+addr+"/v2/"); err != nil {
		r.stopChild()
		return err
	}
	return nil
}

// waitReady polls u until it answers with any HTTP status, the child exits
// or ctx ends.
func (r *Registry) waitReady(ctx context.Context, u string) error {
	client := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return fmt.Errorf("fakeregistry: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-r.exited:
			return fmt.Errorf("fakeregistry: docker-registry exited during start (%s); its log:\n%s", r.cmd.ProcessState, r.Log())
		case <-ctx.Done():
			return fmt.Errorf("fakeregistry: docker-registry not answering %s: %w; its log:\n%s", u, ctx.Err(), r.Log())
		case <-tick.C:
		}
	}
}

// freePort returns a loopback address that was free a moment ago.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fakeregistry: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// closeGrace is how long Close waits after SIGTERM before SIGKILL.
const closeGrace = 5 * time.Second

// stopChild sends SIGTERM, then SIGKILL after closeGrace, and waits for the
// child to be reaped.
func (r *Registry) stopChild() error {
	if r.cmd == nil || r.cmd.Process == nil {
		return nil
	}
	select {
	case <-r.exited:
		return nil
	default:
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-r.exited:
		return nil
	case <-t.C:
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("fakeregistry: kill docker-registry (pid %d): %w", r.cmd.Process.Pid, err)
	}
	<-r.exited
	return nil
}

// Close stops the front server and the child (SIGTERM, then SIGKILL after a
// grace period), always; it removes only a Dir it created itself. Calling
// it again returns the first result.
func (r *Registry) Close() error {
	r.once.Do(func() {
		if r.srv != nil {
			r.srv.Close()
			<-r.served
		}
		if r.transport != nil {
			r.transport.CloseIdleConnections()
		}
		err := r.stopChild()
		if r.ownDir != "" {
			err = errors.Join(err, os.RemoveAll(r.ownDir))
		}
		r.err = err
	})
	return r.err
}

// Handler returns the front server's handler, so that a TLS proxy can
// serve this registry under a real name: the realm and upload Locations
// follow the request's Host, and https when it came over TLS or with
// X-Forwarded-Proto: https.
func (r *Registry) Handler() http.Handler { return r.front }

// AuthLog returns every request the front server received with an
// Authorization header, and every token request, in order.
func (r *Registry) AuthLog() []AuthAttempt {
	r.front.mu.Lock()
	defer r.front.mu.Unlock()
	return slices.Clone(r.front.log)
}

// ResetAuthLog forgets the attempts logged so far.
func (r *Registry) ResetAuthLog() {
	r.front.mu.Lock()
	defer r.front.mu.Unlock()
	r.front.log = nil
}

// Principal returns the principal a registry token minted here was issued
// for.
func (r *Registry) Principal(token string) (string, bool) {
	r.front.mu.Lock()
	defer r.front.mu.Unlock()
	p, ok := r.front.tokens[token]
	return p, ok
}

// Log returns docker-registry's own output so far, for failure messages.
func (r *Registry) Log() string {
	b, err := os.ReadFile(r.logPath)
	if err != nil {
		return fmt.Sprintf("(no docker-registry log: %v)", err)
	}
	return string(b)
}

// Dir returns the working directory: config.yml, storage/, registry.log,
// token.pem (token mode) or htpasswd (htpasswd mode).
func (r *Registry) Dir() string { return r.dir }
