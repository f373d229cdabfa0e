package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// gcloudConfigDir is gcloud's configuration dir: $CLOUDSDK_CONFIG, else
// ~/.config/gcloud (%APPDATA%\gcloud on Windows).
func gcloudConfigDir(o *Options) string {
	if d := o.getenv("CLOUDSDK_CONFIG"); d != "" {
		return d
	}
	if runtime.GOOS == "windows" {
		if d := o.getenv("APPDATA"); d != "" {
			return filepath.Join(d, "gcloud")
		}
	}
	home := o.getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "gcloud")
}

// adcPath is gcloud's application-default credentials file, written by
// `gcloud auth application-default login`.
func adcPath(o *Options) string {
	return filepath.Join(gcloudConfigDir(o), "application_default_credentials.json")
}

// gcloudSource asks the gcloud CLI for its active account's token with
// `gcloud config config-helper --format=json`. Slow (gcloud is a Python
// program): it comes late in the chain.
type gcloudSource struct{}

func (gcloudSource) name() string { return SourceGcloud }

func (gcloudSource) resolve(ctx context.Context, o *Options, _ string) (*configured, error) {
	// The account first: most machines that reach this source have none,
	// and looking gcloud up on PATH costs a stat per PATH entry on every
	// warm get; the reason says which it is only when it is shown.
	g, err := readGcloudConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	if g.account == "" {
		return nil, notConfigured("%s", noGcloudAccount{bin: o.Gcloud})
	}
	bin := o.Gcloud
	if bin == "" {
		p, err := exec.LookPath("gcloud")
		if err != nil {
			return nil, notConfigured("gcloud is not on PATH")
		}
		bin = p
	}
	// gcloud impersonates: the service account its
	// auth/impersonate_service_account property (or
	// CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT) names, or the helper's
	// chain, handed to it in that variable, which overrides the property as
	// gcloud's --impersonate-service-account does. The chain does not
	// impersonate its token again (it would be the service account
	// impersonating itself).
	override := strings.Join(o.Impersonate, ",")
	if override != "" {
		g.impersonate = override
	}
	identity := g.account
	if g.impersonate != "" {
		identity += " as " + strings.ReplaceAll(g.impersonate, ",", " > ")
	}
	return &configured{
		tokenSource:  gcloudTokens{bin: bin, impersonate: override, account: g.account, target: lastOf(g.impersonate)},
		name:         SourceGcloud,
		identity:     identity,
		universe:     "", // gcloud tells
		impersonates: true,
		// gcloud's token is the account's, or the service account it
		// impersonates: both decide the principal, and so does which
		// configuration they come from.
		key: []string{"gcloud-config=" + g.dir, "gcloud-configuration=" + g.name, "account=" + g.account, "gcloud-impersonate=" + g.impersonate},
	}, nil
}

// noGcloudAccount is why the gcloud source has nothing to offer when it
// has no active account, worked out when it is shown.
type noGcloudAccount struct{ bin string }

func (n noGcloudAccount) String() string {
	if n.bin == "" {
		if _, err := exec.LookPath("gcloud"); err != nil {
			return "gcloud is not on PATH"
		}
	}
	return "gcloud has no active account (`gcloud auth login` sets one)"
}

// lastOf is the last of a comma-separated chain: its target.
func lastOf(chain string) string {
	return strings.TrimSpace(chain[strings.LastIndex(chain, ",")+1:])
}

// gcloudConfig is what gcloud's files and environment say about the
// identity it would use.
type gcloudConfig struct {
	dir, name   string // config dir, active configuration
	account     string // core/account
	impersonate string // auth/impersonate_service_account
}

// readGcloudConfig reads, without running gcloud, what gcloud reads: the
// active configuration (CLOUDSDK_ACTIVE_CONFIG_NAME, else the active_config
// file, else "default"), and its core/account and
// auth/impersonate_service_account properties, each overridden by
// gcloud's environment variable (CLOUDSDK_CORE_ACCOUNT,
// CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT). A missing file is an empty
// one; a file that is not a regular file is an error.
func readGcloudConfig(ctx context.Context, o *Options) (gcloudConfig, error) {
	g := gcloudConfig{dir: gcloudConfigDir(o), name: o.getenv("CLOUDSDK_ACTIVE_CONFIG_NAME")}
	read := func(path string) ([]byte, error) {
		b, err := readFile(ctx, path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("gcloud configuration: %w", err)
		}
		return b, nil
	}
	if g.name == "" {
		b, err := read(filepath.Join(g.dir, "active_config"))
		if err != nil {
			return g, err
		}
		g.name = strings.TrimSpace(string(b))
	}
	if g.name == "" {
		g.name = "default"
	}
	b, err := read(filepath.Join(g.dir, "configurations", "config_"+g.name))
	if err != nil {
		return g, err
	}
	g.account = first(o.getenv("CLOUDSDK_CORE_ACCOUNT"), iniValue(b, "core", "account"))
	g.impersonate = first(o.getenv("CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT"), iniValue(b, "auth", "impersonate_service_account"))
	return g, nil
}

// iniValue is the value of key in section of a gcloud properties file.
func iniValue(b []byte, section, key string) string {
	in := ""
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			in = strings.TrimSpace(strings.Trim(line, "[]"))
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && in == section && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

type configHelperOutput struct {
	Configuration struct {
		Properties struct {
			Core struct {
				Account        string `json:"account"`
				UniverseDomain string `json:"universe_domain"`
			} `json:"core"`
		} `json:"properties"`
	} `json:"configuration"`
	Credential struct {
		AccessToken string `json:"access_token"`
		TokenExpiry string `json:"token_expiry"`
	} `json:"credential"`
}

// gcloudTokens runs `gcloud config config-helper --format=json` for each
// token.
type gcloudTokens struct {
	bin         string
	impersonate string // the helper's chain, for gcloud to impersonate ("": gcloud's own setting)
	account     string // gcloud's account
	target      string // the service account gcloud impersonates, "" for none
}

func (g gcloudTokens) Token(ctx context.Context) (*Token, error) {
	cmd := exec.CommandContext(ctx, g.bin, "config", "config-helper", "--format=json")
	cmd.Env = os.Environ()
	if g.impersonate != "" {
		cmd.Env = append(cmd.Env, "CLOUDSDK_AUTH_IMPERSONATE_SERVICE_ACCOUNT="+g.impersonate) // the last copy wins
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		msg := errorLines(stderr.String())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("gcloud config config-helper did not finish: %w", ctx.Err())
		}
		hint := "run `gcloud auth login`"
		if g.target != "" && strings.Contains(strings.ToLower(msg), "impersonat") {
			hint = grantHint(g.account, g.target)
		}
		return nil, withHint(fmt.Errorf("gcloud config config-helper failed (%v): %s", err, msg), hint)
	}
	var out configHelperOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return nil, errors.New("gcloud config config-helper printed something that is not its JSON; check `gcloud version`")
	}
	if out.Credential.AccessToken == "" {
		return nil, withHint(errors.New("gcloud has no credentialed account"), "run `gcloud auth login`")
	}
	t := &Token{
		AccessToken: out.Credential.AccessToken,
		Identity:    first(g.target, out.Configuration.Properties.Core.Account),
		Universe:    out.Configuration.Properties.Core.UniverseDomain,
	}
	if t.Universe == "" {
		t.Universe = DefaultUniverse
	}
	if exp, err := time.Parse(time.RFC3339, out.Credential.TokenExpiry); err == nil {
		t.Expiry = exp
	}
	return t, nil
}

// errorLines picks what matters from gcloud's stderr: its ERROR lines, else
// the last two lines, joined by "; ".
func errorLines(s string) string {
	var lines, errs []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
			if strings.HasPrefix(l, "ERROR") {
				errs = append(errs, l)
			}
		}
	}
	if len(errs) > 0 {
		lines = errs
	} else if len(lines) > 2 {
		lines = lines[len(lines)-2:]
	}
	if len(lines) == 0 {
		return "no output"
	}
	return strings.Join(lines, "; ")
}
