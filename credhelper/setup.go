package credhelper

import (
	"context"
	"os"
	"path/filepath"

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
	return o, err
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
	u := s.Settings.UniverseDomain
	if u == "" {
		u = token.DefaultUniverse
	}
	m := make(map[string]string, len(s.Settings.Registries))
	for _, r := range s.Settings.Registries {
		if h, err := NormalizeHost(r); err == nil {
			m[h] = u
		}
	}
	return m
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
		DockerConfig:   dockerConfigPath(),
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
