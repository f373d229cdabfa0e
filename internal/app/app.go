package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/accesstoken"
	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
	"github.com/docker-credential-gcr/docker-credential-gcr/configure"
	"github.com/docker-credential-gcr/docker-credential-gcr/credhelper"
	"github.com/docker-credential-gcr/docker-credential-gcr/doctor"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/redact"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/userdir"
	"github.com/docker-credential-gcr/docker-credential-gcr/kubelet"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Env is the world the helper runs in: the process's (System) or a test's.
type Env struct {
	// Getenv reads the environment.
	Getenv func(string) string
	// HomeDir finds the user's home directory when the environment names
	// none: the kubelet runs plugins with its own environment, and a
	// kubelet started by systemd has no HOME. System asks the user database.
	HomeDir func() (string, error)
	// Stderr receives notices and the --verbose trail.
	Stderr io.Writer
	// Now is the clock.
	Now func() time.Time
	// Verbose turns the diagnostic trail on, on Stderr (--verbose).
	Verbose bool
}

// System is the process's world: its environment, the user database,
// stderr and the clock.
func System() Env {
	return Env{Getenv: os.Getenv, HomeDir: userHome, Stderr: os.Stderr, Now: time.Now}
}

func userHome() (string, error) {
	u, err := user.Current()
	if err != nil {
		return "", err
	}
	return u.HomeDir, nil
}

// App reads the settings file and the environment once, and builds every
// piece of the helper from them.
type App struct {
	env Env

	homeOnce sync.Once
	home     string

	loadOnce sync.Once
	path     string             // the settings file
	settings *settings.Settings // file + environment
	loadErr  error

	logOnce sync.Once
	log     *slog.Logger
}

// New returns the app of env. It reads nothing yet: each command reads
// what it needs, once. A nil field of env is an empty environment, no home,
// no stderr and the real clock.
func New(env Env) *App {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.HomeDir == nil {
		env.HomeDir = func() (string, error) { return "", errors.New("no home directory") }
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	return &App{env: env}
}

// getenv reads the environment; a missing home variable is the user's home
// from Env.HomeDir, so that the settings file, gcloud's files, docker's
// config and the token cache are found without HOME.
func (a *App) getenv(k string) string {
	v := a.env.Getenv(k)
	if v == "" && k == userdir.HomeVar() {
		a.homeOnce.Do(func() {
			if h, err := a.env.HomeDir(); err == nil {
				a.home = h
			}
		})
		v = a.home
	}
	return v
}

// load reads the settings file and lays the environment over it, once.
func (a *App) load() (*settings.Settings, error) {
	a.loadOnce.Do(func() {
		a.path, a.loadErr = settings.Path(a.getenv)
		if a.loadErr != nil {
			return
		}
		var s *settings.Settings
		if s, a.loadErr = settings.Load(a.path); a.loadErr != nil {
			return
		}
		a.settings = s.Overlay(a.getenv)
		if a.env.Verbose {
			a.settings.Verbose = "1"
		}
	})
	return a.settings, a.loadErr
}

// logger returns the --verbose trail's logger, or nil when it is off.
// DOCKER_CREDENTIAL_GCR_VERBOSE=1 writes it to stderr; any other value is a
// file to append to (docker gives a helper no flags, and its stderr is not
// always shown). The file must be nobody else's to write (fsutil.OpenAppend:
// not a symlink, owned by the user or root, not group/world-writable; a new
// one is 0600); else one line on stderr says why and the trail goes there.
func (a *App) logger(s *settings.Settings) *slog.Logger {
	a.logOnce.Do(func() {
		if s.Verbose == "" {
			return
		}
		w := a.env.Stderr
		switch strings.ToLower(s.Verbose) {
		case "0", "false", "no", "off":
			return
		case "1", "true", "yes", "on", "stderr":
		default:
			f, err := fsutil.OpenAppend(s.Verbose)
			switch {
			case errors.Is(err, fsutil.ErrUntrusted):
				fmt.Fprintf(a.env.Stderr, "docker-credential-gcr: verbose log refused: %v; writing it to stderr\n", err)
			case err != nil:
				fmt.Fprintf(a.env.Stderr, "docker-credential-gcr: verbose log %s: %v; writing it to stderr\n", s.Verbose, err)
			default:
				w = f // open for the life of the process
			}
		}
		a.log = redact.NewLogger(w).With("pid", os.Getpid())
	})
	return a.log
}

// tokenOptions returns the chain's options (the one place that maps the
// settings to them); impersonate, when not empty, replaces the configured
// impersonation chain ("A,B,TARGET").
func (a *App) tokenOptions(s *settings.Settings, impersonate string) (token.Options, error) {
	o, err := s.TokenOptions(a.getenv)
	if impersonate != "" {
		o.Impersonate = settings.SplitList(impersonate)
	}
	if log := a.logger(s); log != nil {
		o.Log = log
		o.HTTPClient = redact.TracingClient(o.HTTPClient, log)
	}
	return o, err
}

// configured loads the settings and the chain's options (impersonate as
// in tokenOptions).
func (a *App) configured(impersonate string) (*settings.Settings, token.Options, error) {
	s, err := a.load()
	if err != nil {
		return nil, token.Options{}, err
	}
	o, err := a.tokenOptions(s, impersonate)
	return s, o, err
}

// cache returns the token cache's options, without a dir when it is off
// (the one place that asks the settings for them).
func (a *App) cache(s *settings.Settings) (token.CacheOptions, error) {
	return s.Cache(a.getenv)
}

// tokenFunc mints a token acceptable in a universe through the chain
// configured by o (and its cache).
type tokenFunc = func(ctx context.Context, universe string) (*token.Token, error)

func tokens(o token.Options) tokenFunc {
	return func(ctx context.Context, universe string) (*token.Token, error) {
		c, err := token.New(o)
		if err != nil {
			return nil, err
		}
		return c.Token(ctx, universe)
	}
}

// hostTokens mints a token for a registry host ("" for none) through the
// chain its own settings configure (Settings.For: the registry_overrides
// of config --registry=HOST), so that each identity has its own chain and
// cache key; impersonate, when not empty, replaces every host's
// impersonation chain (print-access-token's flag).
func (a *App) hostTokens(s *settings.Settings, impersonate string) func(ctx context.Context, host, universe string) (*token.Token, error) {
	return func(ctx context.Context, host, universe string) (*token.Token, error) {
		o, err := a.tokenOptions(s.For(host), impersonate)
		if err != nil {
			return nil, err
		}
		return tokens(o)(ctx, universe)
	}
}

// identity names a host's identity for print-access-token's grouping:
// the host itself when it has an override, "" for the default identity.
func identity(s *settings.Settings) func(host string) string {
	return func(host string) string {
		if s.For(host) == s {
			return ""
		}
		h, _ := registry.NormalizeHost(host)
		return h
	}
}

// registries maps the hosts registered in the settings to their universe.
func registries(s *settings.Settings) map[string]string {
	return registry.Custom(s.Registries, s.UniverseDomain)
}

// store opens the credential store the settings choose.
func (a *App) store(s *settings.Settings) (store.Store, error) {
	return store.Open(store.Options{
		Mode:   s.CredentialStore,
		Dir:    filepath.Dir(a.path),
		Getenv: a.getenv,
		Notice: a.env.Stderr,
	})
}

// dockerConfigPath is config.json in the docker config dir, or "".
func (a *App) dockerConfigPath() string {
	dir, err := configfile.Dir("", a.getenv)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "config.json")
}

// helper returns the docker-credential protocol's helper. The chain's
// options are built for each Google host's get (hostTokens), not here: a
// wrong token setting fails the gets that mint, never list, store, erase
// or another registry's get.
func (a *App) helper(ctx context.Context) (*credhelper.Helper, error) {
	s, err := a.load()
	if err != nil {
		return nil, err
	}
	st, err := a.store(s)
	if err != nil {
		return nil, err
	}
	return credhelper.New(ctx, credhelper.Config{
		Tokens:         a.hostTokens(s, ""),
		Registries:     registries(s),
		Store:          st,
		StoreForGoogle: s.UsesStore(),
		DockerConfig:   a.dockerConfigPath(),
		Now:            a.env.Now,
	}), nil
}

// maxInput bounds what a protocol action reads from stdin: a server URL or
// a credential is a few KiB; a service-account key a few more.
const maxInput = 1 << 20

// Protocol serves one docker-credential action (get, store, erase, list)
// with credhelper.Handle: stdin holds the input, stdout receives the answer
// or, as docker reads a helper's errors there, the error, which is also
// returned.
func (a *App) Protocol(ctx context.Context, action string, stdin io.Reader, stdout io.Writer) error {
	err := a.protocol(ctx, action, stdin, stdout)
	if err != nil {
		io.WriteString(stdout, err.Error()+"\n")
	}
	return err
}

func (a *App) protocol(ctx context.Context, action string, stdin io.Reader, stdout io.Writer) error {
	var in []byte
	if action != "list" { // list reads nothing: do not wait on a terminal
		var err error
		if in, err = io.ReadAll(io.LimitReader(stdin, maxInput+1)); err != nil {
			return err
		}
	}
	if len(in) > maxInput {
		return errors.New("input larger than 1 MiB; docker sends a server URL or one credential")
	}
	h, err := a.helper(ctx)
	if err != nil {
		return err
	}
	return credhelper.Handle(h, action, in, stdout)
}

// ServeKubelet answers one CredentialProviderRequest from in on out, as the
// kubelet's image credential provider plugin. It opens no credential
// store: a node has no keyring, and what docker login stored is not the
// node's identity.
func (a *App) ServeKubelet(ctx context.Context, in io.Reader, out io.Writer) error {
	p, err := a.kubeletPlugin()
	if err != nil {
		return err
	}
	return p.Serve(ctx, in, out)
}

func (a *App) kubeletPlugin() (*kubelet.Plugin, error) {
	s, o, err := a.configured("")
	if err != nil {
		return nil, err
	}
	p, federated, err := s.WorkloadProvider()
	if err != nil {
		return nil, err
	}
	id, err := kubelet.ParseIdentity(s.KubeletIdentity, federated)
	if err != nil {
		return nil, fmt.Errorf("kubelet_identity (%s or the settings file): %w", settings.EnvKubeletIdentity, err)
	}
	plugin := &kubelet.Plugin{Tokens: a.hostTokens(s, ""), Registries: registries(s), Margin: o.RefreshMargin(), Now: a.env.Now, Identity: id}
	if federated {
		plugin.PodTokens = a.podTokens(s)
		// One provider entry, one audience: the kubelet asks every pod's
		// token for it, whatever the registry.
		plugin.Audiences = kubelet.Audiences(p, s.OIDCAudience)
	}
	return plugin, nil
}

// podTokens mints a pod's own token with the one federated source of the
// token package: the pod's JWT exchanged at the STS of the registry's
// provider (Settings.For: the host's own, else workload_identity_provider),
// then impersonating the Google service account its service account names
// (not the node's nor the host's impersonation chain), cached by the JWT's
// claims; never another source.
func (a *App) podTokens(s *settings.Settings) func(context.Context, kubelet.Pod, string, string) (*token.Token, error) {
	return func(ctx context.Context, pod kubelet.Pod, host, universe string) (*token.Token, error) {
		hs := s.For(host)
		p, _, err := hs.WorkloadProvider()
		if err != nil {
			return nil, err
		}
		o, err := a.tokenOptions(hs, "")
		if err != nil {
			return nil, err
		}
		if universe != "" && universe != p.Universe {
			return nil, fmt.Errorf("the workload identity provider is in universe %s and the registry in %s, and a token of one universe is never sent to another's registry; give this registry's images a provider entry of their own universe (docs/kubernetes.md, S3NS)", p.Universe, universe)
		}
		o.Impersonate = nil
		if pod.ServiceAccount != "" {
			o.Impersonate = []string{pod.ServiceAccount}
		}
		c, err := token.NewFederated(o, token.Federation{
			Provider: p,
			Subject:  func(context.Context) (string, error) { return pod.SubjectToken, nil },
			Origin:   "the pod's service-account token",
			Name:     "pod",
		})
		if err != nil {
			return nil, err
		}
		t, err := c.Token(ctx, universe)
		var ce *token.ChainError
		if errors.As(err, &ce) && len(ce.Failures) == 1 {
			// One source: its error and the fix, not a chain's summary.
			return nil, fmt.Errorf("%w; next step: %s", ce.Failures[0].Err, ce.Hint())
		}
		return t, err
	}
}

// KubeletConfigOptions are kubelet-credential-provider-config's inputs.
type KubeletConfigOptions struct {
	Output        string        // yaml or json
	CacheDuration time.Duration // defaultCacheDuration
	// Provider is the workload identity provider (--workload-identity-provider);
	// empty: the workload_identity_provider setting.
	Provider string
	// Identity is node, annotated or pod (--identity); empty: the
	// kubelet_identity setting, else annotated with a provider.
	Identity string
	// Audience is serviceAccountTokenAudience (--audience); empty: the
	// oidc_audience setting, else the provider's default.
	Audience string
	// KubeletVersion is the kubelet's version (--kubelet-version); empty:
	// 1.34 or later.
	KubeletVersion string
	// RBAC prints the ClusterRole and ClusterRoleBinding instead of the
	// config.
	RBAC bool
	// ServiceAccounts narrows RBAC to these service accounts
	// (--service-accounts=NS/NAME,...): a Role and RoleBinding per namespace.
	ServiceAccounts string
	// Name is the provider's name, the binary's file name in the kubelet's
	// bin dir (--name); empty: docker-credential-gcr.
	Name string
}

// KubeletConfig writes the CredentialProviderConfig that installs the
// plugin (the registered hosts included), with tokenAttributes and env for
// per-pod identity when a provider is given; or, with o.RBAC, the objects
// that let nodes request tokens for its audience.
func (a *App) KubeletConfig(w io.Writer, o KubeletConfigOptions) error {
	s, err := a.load()
	if err != nil {
		return err
	}
	name := first(o.Name, "docker-credential-"+configfile.HelperName)
	if err := kubelet.ValidName(name); err != nil {
		return err
	}
	c := kubelet.Config{Name: name, MatchImages: kubelet.MatchImages(registries(s)), CacheDuration: o.CacheDuration}
	pod, provider, err := kubelet.NewPodConfig(s, kubelet.PodOptions{Provider: o.Provider, Identity: o.Identity, Audience: o.Audience, KubeletVersion: o.KubeletVersion})
	if err != nil {
		return err
	}
	if pod != nil {
		c.MatchImages = kubelet.MatchImagesIn(registries(s), provider.Universe)
	}
	var out string
	switch {
	case o.ServiceAccounts != "" && !o.RBAC:
		return errors.New("--service-accounts narrows the RBAC: give it with --rbac")
	case o.RBAC && pod == nil:
		return errors.New("--rbac needs per-pod identity: give --workload-identity-provider (and not --identity=node)")
	case o.RBAC:
		r := kubelet.RBAC{Name: kubelet.RBACName(provider), Audience: pod.Audience}
		if o.ServiceAccounts != "" {
			if r.ServiceAccounts, err = kubelet.ParseServiceAccounts(o.ServiceAccounts); err != nil {
				return err
			}
		}
		out, err = r.Format(o.Output)
	default:
		c.Pod = pod
		out, err = c.Format(o.Output)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out)
	return err
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ConfigureDocker maps the hosts to this helper in Docker's config.json
// (configure-docker).
func (a *App) ConfigureDocker(ctx context.Context, o configure.Options) error {
	s, err := a.load()
	if err != nil {
		return err
	}
	o.Registered, o.SettingsFile, o.Getenv = registries(s), a.path, a.getenv
	return configure.Docker(ctx, o)
}

// Doctor explains the setup for o.Host on w without printing a secret.
func (a *App) Doctor(ctx context.Context, w io.Writer, o doctor.Options) error {
	s, err := a.load()
	if err != nil {
		return err
	}
	hs := s.For(o.Host) // the host's own identity, when config gave it one
	opts, err := a.tokenOptions(hs, "")
	if err != nil {
		return err
	}
	d := doctor.Setup{
		Getenv:       a.getenv,
		SettingsFile: a.path,
		Registries:   registries(s),
		UsesStore:    s.UsesStore(),
		Store:        func() (store.Store, error) { return a.store(s) },
		Impersonate:  opts.Impersonate,
		Tokens:       tokens(opts),
		Margin:       opts.RefreshMargin(),
		Kubelet: func(universe string) (string, string, error) {
			return kubelet.Explain(s, o.Host, universe)
		},
	}
	if hs != s {
		d.Override = "settings of its own (`docker-credential-gcr config --registry=" + o.Host + "`)"
	}
	if c, err := a.cache(s); err == nil {
		d.CacheDir = c.Dir // "" when off
	}
	d.CacheOff = s.NoCache
	if o.Now == nil {
		o.Now = a.env.Now
	}
	return doctor.Run(ctx, w, d, o)
}

// PrintOptions are print-access-token's inputs.
type PrintOptions struct {
	Format      string
	Hosts       []string
	Impersonate string // A,B,TARGET replaces the configured impersonation
}

// PrintAccessToken writes a token for scripts on w; a note about a
// docker-config document's life goes to stderr.
func (a *App) PrintAccessToken(ctx context.Context, w io.Writer, o PrintOptions) error {
	s, err := a.load()
	if err != nil {
		return err
	}
	return accesstoken.Print(ctx, w, a.env.Stderr, accesstoken.Options{
		Format: o.Format, Hosts: o.Hosts, Now: a.env.Now,
		Registries: registries(s), Tokens: a.hostTokens(s, o.Impersonate), Identity: identity(s),
	})
}

// ClearCache forgets every cached token and says on w how many it removed
// from where.
func (a *App) ClearCache(w io.Writer) error {
	s, err := a.load()
	if err != nil {
		return err
	}
	dir, n := "", 0
	c, err := a.cache(s)
	if err != nil {
		return err
	}
	if c.Dir != "" {
		dir = c.Dir
		if n, err = token.ClearCache(c.Dir); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(w, "removed %d cached token(s) from %s\n", n, dir)
	return err
}

// Config applies e to the settings file under a lock (after clearing every
// setting but the registered hosts when unsetAll), names the file on stderr
// and writes the result on w (config).
func (a *App) Config(w io.Writer, unsetAll bool, e settings.Edit) error {
	path, err := settings.Path(a.getenv)
	if err != nil {
		return err
	}
	s, err := settings.Update(path, unsetAll, e)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.env.Stderr, "settings:", path)
	_, err = w.Write(s.Marshal())
	return err
}
