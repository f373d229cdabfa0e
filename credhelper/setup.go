package credhelper

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
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/accesstoken"
	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
	"github.com/docker-credential-gcr/docker-credential-gcr/configure"
	"github.com/docker-credential-gcr/docker-credential-gcr/doctor"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/kubelet"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// Setup is what every command reads once: the settings file with the
// environment laid over it.
type Setup struct {
	Path     string             // the settings file
	Settings *settings.Settings // file + environment
	Getenv   func(string) string
	log      *slog.Logger
}

// Load reads the settings file and overlays the environment.
func Load(getenv func(string) string) (*Setup, error) {
	path, err := settings.Path(getenv)
	if err != nil {
		return nil, err
	}
	s, err := settings.Load(path)
	if err != nil {
		return nil, err
	}
	return &Setup{Path: path, Settings: s.Overlay(getenv), Getenv: getenv}, nil
}

// TokenOptions returns the chain's options; impersonate, when not empty,
// replaces the configured impersonation chain ("A,B,TARGET").
func (s *Setup) TokenOptions(impersonate string) (token.Options, error) {
	o, err := s.Settings.TokenOptions(s.Getenv)
	if impersonate != "" {
		o.Impersonate = settings.SplitList(impersonate)
	}
	if log := s.Logger(); log != nil {
		o.Log = log
		o.HTTPClient = token.TracingClient(o.HTTPClient, log)
	}
	return o, err
}

// Logger returns the --verbose trail's logger, or nil when it is off.
// DOCKER_CREDENTIAL_GCR_VERBOSE=1 writes it to stderr; any other value is a
// file to append to (docker gives a helper no flags, and its stderr is not
// always shown). The file must be nobody else's to write (fsutil.OpenAppend:
// not a symlink, owned by the user or root, not group/world-writable; a new
// one is 0600); else one line on stderr says why and the trail goes there.
func (s *Setup) Logger() *slog.Logger {
	if s.log != nil || s.Settings.Verbose == "" {
		return s.log
	}
	var w io.Writer = os.Stderr
	switch strings.ToLower(s.Settings.Verbose) {
	case "0", "false", "no", "off":
		return nil
	case "1", "true", "yes", "on", "stderr":
	default:
		f, err := fsutil.OpenAppend(s.Settings.Verbose)
		switch {
		case errors.Is(err, fsutil.ErrUntrusted):
			fmt.Fprintf(os.Stderr, "docker-credential-gcr: verbose log refused: %v; writing it to stderr\n", err)
		case err != nil:
			fmt.Fprintf(os.Stderr, "docker-credential-gcr: verbose log %s: %v; writing it to stderr\n", s.Settings.Verbose, err)
		default:
			w = f // open for the life of the process
		}
	}
	s.log = token.NewLogger(w).With("pid", os.Getpid())
	return s.log
}

// Tokens returns a TokenFunc over the chain configured by o.
func Tokens(o token.Options) TokenFunc {
	return func(ctx context.Context, universe string) (*token.Token, error) {
		o := o
		o.Universe = universe
		c, err := token.New(o)
		if err != nil {
			return nil, err
		}
		return c.Token(ctx)
	}
}

// Registries maps the hosts registered in the settings to their universe.
func (s *Setup) Registries() map[string]string {
	return registry.Custom(s.Settings.Registries, s.Settings.UniverseDomain)
}

// Helper returns the protocol helper for this setup.
func (s *Setup) Helper(ctx context.Context) (*Helper, error) {
	o, err := s.TokenOptions("")
	if err != nil {
		return nil, err
	}
	st, err := s.Store()
	if err != nil {
		return nil, err
	}
	return New(ctx, Config{
		Tokens:         Tokens(o),
		Registries:     s.Registries(),
		Store:          st,
		StoreForGoogle: s.Settings.UsesStore(),
		DockerConfig:   s.dockerConfigPath(),
	}), nil
}

// Store opens the credential store the settings choose.
func (s *Setup) Store() (store.Store, error) {
	return store.Open(store.Options{
		Mode:   s.Settings.CredentialStore,
		Dir:    filepath.Dir(s.Path),
		Getenv: s.Getenv,
		Notice: os.Stderr,
	})
}

// ClearCache forgets every cached token; it returns the cache dir and how
// many tokens it removed.
func (s *Setup) ClearCache() (string, int, error) {
	c, err := s.Settings.Cache(s.Getenv)
	if err != nil || c == nil {
		return "", 0, err
	}
	n, err := c.Clear()
	return c.Dir, n, err
}

// KubeletPlugin returns the plugin for this setup. It opens no credential
// store: a node has no keyring, and what docker login stored is not the
// node's identity.
func (s *Setup) KubeletPlugin(ctx context.Context) (*kubelet.Plugin, error) {
	o, err := s.TokenOptions("")
	if err != nil {
		return nil, err
	}
	margin := token.DefaultRefreshMargin
	if o.Cache != nil && o.Cache.Margin > 0 {
		margin = o.Cache.Margin
	}
	return &kubelet.Plugin{Tokens: Tokens(o), Registries: s.Registries(), Margin: margin}, nil
}

// KubeletConfig returns the config for this setup (its registered hosts
// included) with the given defaultCacheDuration.
func (s *Setup) KubeletConfig(cacheDuration time.Duration) kubelet.Config {
	return kubelet.Config{Name: "docker-credential-" + configfile.HelperName, MatchImages: kubelet.MatchImages(s.Registries()), CacheDuration: cacheDuration}
}

// EnsureHome sets HOME, when it is unset, to the home directory of the user
// the process runs as. The kubelet runs plugins with its own environment,
// and a kubelet started by systemd has no HOME: without one the settings
// file, gcloud's files and the token cache could not be found.
func EnsureHome() error {
	if os.Getenv("HOME") != "" {
		return nil
	}
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		return nil // the chain still works; the cache is off without a dir
	}
	return os.Setenv("HOME", u.HomeDir)
}

// ConfigureDocker maps the hosts to this helper in Docker's config.json.
func (s *Setup) ConfigureDocker(ctx context.Context, o configure.Options) error {
	o.Registered, o.SettingsFile, o.Getenv = s.Registries(), s.Path, s.Getenv
	return configure.Docker(ctx, o)
}

// Doctor explains the setup for o.Host without printing a secret.
func (s *Setup) Doctor(ctx context.Context, w io.Writer, o doctor.Options) error {
	opts, err := s.TokenOptions("")
	if err != nil {
		return err
	}
	d := doctor.Setup{
		Getenv:       s.Getenv,
		SettingsFile: s.Path,
		Registries:   s.Registries(),
		UsesStore:    s.Settings.UsesStore(),
		Store:        s.Store,
		Impersonate:  opts.Impersonate,
		Tokens:       Tokens(opts),
	}
	if c, err := s.Settings.Cache(s.Getenv); err == nil && c != nil {
		d.CacheDir = c.Dir
	}
	return doctor.Run(ctx, w, d, o)
}

// PrintAccessToken prints a token for scripts; impersonate, when not empty,
// replaces the configured impersonation chain ("A,B,TARGET").
func (s *Setup) PrintAccessToken(ctx context.Context, w, notice io.Writer, o accesstoken.Options, impersonate string) error {
	opts, err := s.TokenOptions(impersonate)
	if err != nil {
		return err
	}
	o.Registries, o.Tokens = s.Registries(), Tokens(opts)
	return accesstoken.Print(ctx, w, notice, o)
}

// dockerConfigPath is config.json in the docker config dir, or "".
func (s *Setup) dockerConfigPath() string {
	dir, err := configfile.Dir("", s.Getenv)
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "config.json")
}
