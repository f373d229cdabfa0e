package configure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/configfile"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/diff"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fsutil"
	"github.com/docker-credential-gcr/docker-credential-gcr/internal/onpath"
	"github.com/docker-credential-gcr/docker-credential-gcr/registry"
	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

// HelperName is what configure-docker maps hosts to in credHelpers.
const HelperName = configfile.HelperName

// ValidateHost normalises a host for credHelpers ("https://" and a
// trailing "/" dropped, lower-cased) and refuses what docker could never
// match: an empty name, a path, a wildcard, a space.
func ValidateHost(s string) (string, error) {
	h := strings.ToLower(strings.TrimSpace(s))
	h = strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://")
	h = strings.TrimRight(h, "/")
	switch {
	case h == "":
		return "", errors.New("empty registry host (a stray comma in --registries?)")
	case strings.ContainsAny(h, " \t"):
		return "", fmt.Errorf("registry host %q contains a space", s)
	case strings.Contains(h, "*"):
		return "", fmt.Errorf("registry host %q has a wildcard: docker has none in credHelpers; list each host", s)
	case strings.Contains(h, "/"):
		return "", fmt.Errorf("registry host %q has a path: credHelpers keys are hosts (use %q)", s, h[:strings.Index(h, "/")])
	}
	n, err := registry.NormalizeHost(h)
	if err != nil {
		return "", err
	}
	return n, nil
}

// Options are configure-docker's inputs.
type Options struct {
	Hosts                   []string
	IncludeArtifactRegistry bool
	AllowCustomHost         bool // serve hosts outside the Google set, and record them
	Overwrite               bool
	DryRun                  bool
	Remove                  bool
	DockerDir               string
	Out, Err                io.Writer

	// From the helper's setup (internal/app fills them):

	// Registered maps the hosts registered in the settings to their universe.
	Registered map[string]string
	// SettingsFile is where --allow-custom-host records a host, so that get
	// serves it.
	SettingsFile string
	// Getenv reads the environment (where docker's config and the lock are).
	Getenv func(string) string
}

// Docker maps the hosts to this helper in Docker's config.json (or removes
// them), editing only credHelpers.
func Docker(ctx context.Context, o Options) error {
	hosts, custom, err := resolveHosts(o)
	if err != nil {
		return err
	}
	dir, err := configfile.Dir(o.DockerDir, o.Getenv)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "config.json")
	var results []configfile.Result
	hadBOM := false
	before, after, err := configfile.Update(ctx, path, configfile.UpdateOptions{DryRun: o.DryRun, Getenv: o.Getenv}, func(data []byte) ([]byte, error) {
		var out []byte
		var err error
		// Docker ignores a config.json that starts with a byte order mark
		// (Notepad's "UTF-8 with BOM"): the edit removes it, and keeps
		// every other byte.
		if hadBOM = fsutil.HasBOM(data); hadBOM {
			data = fsutil.TrimBOM(data)
		}
		if o.Remove {
			out, results, err = configfile.RemoveCredHelpers(data, hosts, HelperName)
		} else {
			out, results, err = configfile.SetCredHelpers(data, hosts, HelperName, o.Overwrite)
		}
		return out, err
	})
	if err != nil {
		return err
	}
	if o.DryRun {
		fmt.Fprint(o.Out, diff.Unified(path, before, after))
	} else if len(custom) > 0 {
		if err := recordRegistries(o.SettingsFile, custom, o.Remove); err != nil {
			return err
		}
	}
	report(o, path, results, after, hadBOM)
	return nil
}

// resolveHosts resolves the hosts to edit and which of them are custom.
func resolveHosts(o Options) (hosts, custom []string, err error) {
	raw := o.Hosts
	if len(raw) == 0 && !o.Remove && !o.IncludeArtifactRegistry {
		raw = registry.ContainerRegistryHosts()
	}
	if o.IncludeArtifactRegistry {
		raw = append(slices.Clone(raw), registry.ArtifactRegistryHosts()...)
	}
	if len(raw) == 0 {
		return nil, nil, errors.New("name the hosts to remove: configure-docker --remove HOST...")
	}
	for _, r := range raw {
		h, err := ValidateHost(r)
		if err != nil {
			return nil, nil, err
		}
		if slices.Contains(hosts, h) {
			continue
		}
		if _, google := registry.Universe(h); !google {
			if _, ok := o.Registered[h]; !ok && !o.AllowCustomHost && !o.Remove {
				return nil, nil, fmt.Errorf("%s is not a Google registry host (%s); to send it Google tokens anyway (a custom domain or private endpoint), pass --allow-custom-host", h, registry.Names())
			}
			custom = append(custom, h)
		}
		hosts = append(hosts, h)
	}
	return hosts, custom, nil
}

// recordRegistries adds (or removes) custom hosts in the settings file so
// that get serves them.
func recordRegistries(settingsFile string, hosts []string, remove bool) error {
	return settings.Modify(settingsFile, func(st *settings.Settings) error {
		for _, h := range hosts {
			i := slices.Index(st.Registries, h)
			switch {
			case remove && i >= 0:
				st.Registries = slices.Delete(st.Registries, i, i+1)
			case !remove && i < 0:
				st.Registries = append(st.Registries, h)
			}
		}
		return nil
	})
}

// report says what changed, on o.Err, with the warnings that apply.
func report(o Options, path string, results []configfile.Result, after []byte, removedBOM bool) {
	verb := "updated"
	if o.DryRun {
		verb = "would update (dry run)"
	}
	changed := false
	for _, r := range results {
		switch r.Action {
		case configfile.Added:
			fmt.Fprintf(o.Err, "added        %s -> %s\n", r.Host, HelperName)
		case configfile.Unchanged:
			fmt.Fprintf(o.Err, "already set  %s -> %s\n", r.Host, HelperName)
		case configfile.KeptOther:
			fmt.Fprintf(o.Err, "kept         %s -> %s (it points at another helper; use --overwrite to replace it)\n", r.Host, r.Previous)
		case configfile.Replaced:
			fmt.Fprintf(o.Err, "replaced     %s: %s -> %s\n", r.Host, r.Previous, HelperName)
		case configfile.Removed:
			fmt.Fprintf(o.Err, "removed      %s\n", r.Host)
		case configfile.NotOurs:
			fmt.Fprintf(o.Err, "kept         %s -> %s (not this helper's entry)\n", r.Host, r.Previous)
		case configfile.Absent:
			fmt.Fprintf(o.Err, "absent       %s\n", r.Host)
		}
		changed = changed || r.Action == configfile.Added || r.Action == configfile.Replaced || r.Action == configfile.Removed
	}
	if removedBOM {
		what := "removed"
		if o.DryRun {
			what = "would remove (dry run)"
		}
		fmt.Fprintf(o.Err, "%s the byte order mark (BOM) at the start of %s: docker cannot read a config.json that has one and ignores the whole file (in Notepad, save it as \"UTF-8\", not \"UTF-8 with BOM\")\n", what, path)
		changed = true
	}
	if changed {
		fmt.Fprintf(o.Err, "%s %s\n", verb, path)
	} else {
		fmt.Fprintf(o.Err, "%s is already up to date\n", path)
	}
	if o.Remove {
		return
	}
	if o.IncludeArtifactRegistry {
		fmt.Fprintln(o.Err, "warning: docker runs the helper for every configured host in some commands (docker build, docker compose); configure only the locations you use to keep them fast")
	}
	if _, err := exec.LookPath("docker-credential-" + HelperName); err != nil {
		what, fix := onpath.NotFound(o.Getenv)
		fmt.Fprintf(o.Err, "warning: %s: docker will fail for these hosts until it is; %s\n", what, fix)
	}
	if cfg, err := configfile.Parse(after); err == nil && cfg.CredsStore != "" {
		fmt.Fprintf(o.Err, "note: credsStore is %q: docker uses docker-credential-%s for every host without a credHelpers entry; the hosts above use this helper\n", cfg.CredsStore, cfg.CredsStore)
	}
}
