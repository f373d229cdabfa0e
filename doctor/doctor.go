package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/onpath"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
	"github.com/docker-credential-gcr/docker-credential-gcr/store"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// HelperName is what Docker's config maps to this binary
// (docker-credential-<name>).
const HelperName = configfile.HelperName

// Options are doctor's inputs.
type Options struct {
	Host      string // optional registry host to explain
	DockerDir string // docker config dir flag ("" = DOCKER_CONFIG or ~/.docker)
	Now       func() time.Time
}

// Setup is the helper's setup as doctor explains it (internal/app fills it).
type Setup struct {
	// Getenv reads the environment (where docker's config is).
	Getenv       func(string) string
	SettingsFile string
	// Registries maps the hosts registered in the settings to their universe.
	Registries map[string]string
	// UsesStore: get hands out what docker login stored for a Google host.
	UsesStore bool
	// Store opens the credential store (only when a host is explained).
	Store func() (store.Store, error)
	// CacheDir is the token cache's dir; "" when the cache is off or has
	// no place (no home).
	CacheDir string
	// CacheOff: the user turned the cache off (no_cache).
	CacheOff bool
	// Impersonate is the impersonation chain, delegates then the target.
	Impersonate []string
	// Tokens mints a token of a universe through the chain and cache.
	Tokens func(ctx context.Context, universe string) (*token.Token, error)
	// Override says that the host has settings of its own (config
	// --registry=HOST), which Impersonate and Tokens follow; "" otherwise.
	Override string
	// Margin is the refresh margin.
	Margin time.Duration
	// Kubelet explains the kubelet plugin's identity for a registry of
	// universe ("" in general, kubelet.Explain): its mode, provider and
	// audience, and what a pod must carry; both "" when not configured;
	// the error is what the plugin would fail with. Nil: not configured.
	Kubelet func(universe string) (mode, pods string, err error)
}

// Run explains, without printing a secret, how docker would get
// credentials for o.Host: the config file, its credHelpers/credsStore, this
// binary on PATH, the settings, the source that would serve and as whom.
// It returns an error when something would fail.
func Run(ctx context.Context, w io.Writer, s Setup, o Options) error {
	if o.Now == nil {
		o.Now = time.Now
	}
	var problems []string
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }

	dir, err := configfile.Dir(o.DockerDir, s.Getenv)
	var cfg *configfile.Config
	if err != nil {
		problems = append(problems, err.Error())
	} else {
		path := filepath.Join(dir, "config.json")
		data, rerr := os.ReadFile(path)
		switch {
		case errors.Is(rerr, fs.ErrNotExist):
			p("docker config:    %s (absent; run `docker-credential-gcr configure-docker`)", path)
			cfg = &configfile.Config{}
		case rerr != nil:
			problems = append(problems, rerr.Error())
		default:
			p("docker config:    %s", path)
			if fsutil.HasBOM(data) {
				problems = append(problems, fmt.Sprintf("%s starts with a byte order mark (BOM, Notepad's \"UTF-8 with BOM\"): docker cannot read it and ignores the whole file; run `docker-credential-gcr configure-docker`, which removes it, or save the file as UTF-8 without BOM", path))
			}
			if cfg, err = configfile.Parse(data); err != nil {
				problems = append(problems, err.Error())
			}
		}
	}
	if cfg != nil {
		if cfg.CredsStore != "" {
			p("  credsStore:     %s (docker uses docker-credential-%s for every host without a credHelpers entry)", cfg.CredsStore, cfg.CredsStore)
		}
		hosts := make([]string, 0, len(cfg.CredHelpers))
		for h := range cfg.CredHelpers {
			hosts = append(hosts, h)
		}
		sort.Strings(hosts)
		for _, h := range hosts {
			mark := ""
			if cfg.CredHelpers[h] == HelperName {
				mark = " (this helper)"
			}
			p("  credHelpers:    %s -> %s%s", h, cfg.CredHelpers[h], mark)
		}
	}

	bin, err := exec.LookPath("docker-credential-" + HelperName)
	if err != nil {
		what, fix := onpath.NotFound(s.Getenv)
		p("helper on PATH:   no: %s, so docker cannot run it", what)
		problems = append(problems, fix)
	} else {
		p("helper on PATH:   %s", bin)
	}
	settingsState := ""
	if _, err := os.Stat(s.SettingsFile); errors.Is(err, fs.ErrNotExist) {
		settingsState = " (absent: defaults)"
	}
	p("settings:         %s%s", s.SettingsFile, settingsState)

	universe := ""
	if o.Host != "" {
		host, err := registry.NormalizeHost(o.Host)
		if err != nil {
			return fmt.Errorf("doctor: %w", err)
		}
		u, ours := registry.Lookup(host, s.Registries)
		if !ours {
			p("registry:         %s is not a Google registry: this helper answers \"not found\" for it and never sends it a Google token", host)
		} else {
			universe = u
			p("registry:         %s (Google, universe %s)", host, u)
		}
		if cfg != nil {
			p("  docker uses:    %s", dockerHelperFor(cfg, host))
			if ours && helperFor(cfg, host) != HelperName {
				problems = append(problems, fmt.Sprintf("docker does not ask this helper for %s: run `docker-credential-gcr configure-docker %s`", host, host))
			}
		}
		if !ours {
			return report(w, problems)
		}
		if st, err := s.store(); err == nil {
			if c, err := st.Get(host); err == nil {
				age := o.Now().Sub(c.StoredAt).Round(time.Second)
				note := "get returns it"
				if c.Username == registry.Username {
					note = "get returns it until it is 60 minutes old"
					if age >= registry.TokenLife {
						note = "too old: get mints a fresh token instead"
					}
				}
				p("  stored:         %s, saved by docker login %s ago; %s", c.Username, age, note)
			}
		}
	}
	switch {
	case s.CacheDir == "" && s.CacheOff:
		p("token cache:      off")
	case s.CacheDir == "":
		p("token cache:      none, every get fetches: no cache directory (no home); set %s to a writable directory of yours", settings.EnvCacheDir)
	default:
		var pe *fs.PathError
		switch err := probeDir(s.CacheDir); {
		case errors.As(err, &pe):
			p("token cache:      not writable, every get fetches: %s (%v); set %s to a writable directory of yours", s.CacheDir, pe.Err, settings.EnvCacheDir)
		case err != nil:
			p("token cache:      not usable, every get fetches: %v; or set %s to a directory of yours", err, settings.EnvCacheDir)
		default:
			p("token cache:      %s", s.CacheDir)
		}
	}

	if s.Kubelet != nil {
		mode, pods, err := s.Kubelet(universe)
		switch {
		case mode != "":
			p("kubelet plugin:   %s", mode)
		case err != nil:
			p("kubelet plugin:   refused: its settings are wrong (below)")
		}
		if pods != "" {
			p("  pods:           %s", pods)
		}
		if err != nil {
			problems = append(problems, err.Error())
		}
	}
	if s.Override != "" {
		p("identity:         %s", s.Override)
	}
	if len(s.Impersonate) > 0 {
		p("impersonation:    %s", strings.Join(s.Impersonate, " > "))
	}
	t, err := s.Tokens(ctx, universe)
	if err != nil {
		p("token:            none")
		problems = append(problems, err.Error())
		return report(w, problems)
	}
	life := "unknown (an access-token file)"
	if !t.Expiry.IsZero() {
		life = t.Expiry.Sub(o.Now()).Round(time.Second).String()
	}
	p("token:            from %s as %s, universe %s, expires in %s (what get returns now)", t.Source, t.Identity, t.Universe, life)
	if t.Note != "" {
		p("  short-lived:    %s", t.Note)
	} else if !t.Expiry.IsZero() && s.Margin > 0 {
		p("  refresh:        get replaces it %s before it expires (refresh_margin)", s.Margin)
	}
	return report(w, problems)
}

// probeDir makes dir as the token cache would (0700, the user's alone) and
// creates and removes a temp file in it: what get needs to cache a token.
func probeDir(dir string) error {
	if err := fsutil.EnsurePrivateDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".doctor.tmp-*") // the cache's temp pattern: cache clear removes it
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// store is the credential store when get uses it for Google hosts.
func (s Setup) store() (store.Store, error) {
	if !s.UsesStore || s.Store == nil {
		return nil, errors.New("stored credentials are not used for Google hosts")
	}
	return s.Store()
}

func report(w io.Writer, problems []string) error {
	if len(problems) == 0 {
		fmt.Fprintln(w, "result:           ok")
		return nil
	}
	return fmt.Errorf("%d problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
}

// helperFor is the helper docker runs for host: credHelpers, then credsStore.
func helperFor(cfg *configfile.Config, host string) string {
	if h, ok := cfg.CredHelpers[host]; ok {
		return h
	}
	return cfg.CredsStore
}

func dockerHelperFor(cfg *configfile.Config, host string) string {
	if h, ok := cfg.CredHelpers[host]; ok {
		return "credHelpers -> docker-credential-" + h
	}
	if cfg.CredsStore != "" {
		return "credsStore -> docker-credential-" + cfg.CredsStore
	}
	return "auths in config.json (no helper)"
}
