package token

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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
	home := o.HomeDir
	if home == "" {
		home = o.getenv("HOME")
	}
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

func (gcloudSource) resolve(_ context.Context, o *Options) (*candidate, error) {
	bin := o.Gcloud
	if bin == "" {
		p, err := exec.LookPath("gcloud")
		if err != nil {
			return nil, notConfigured("gcloud is not on PATH")
		}
		bin = p
	}
	account := gcloudAccount(o)
	if account == "" {
		return nil, notConfigured("gcloud has no active account (`gcloud auth login` sets one)")
	}
	return &candidate{
		identity: account,
		universe: "", // gcloud tells
		fetch: func(ctx context.Context) (*Token, error) {
			return runGcloud(ctx, bin, o)
		},
	}, nil
}

// gcloudAccount reads the active account from gcloud's files, without
// running gcloud: CLOUDSDK_CORE_ACCOUNT, else core/account of the active
// configuration.
func gcloudAccount(o *Options) string {
	if a := o.getenv("CLOUDSDK_CORE_ACCOUNT"); a != "" {
		return a
	}
	dir := gcloudConfigDir(o)
	name := o.getenv("CLOUDSDK_ACTIVE_CONFIG_NAME")
	if name == "" {
		b, err := os.ReadFile(filepath.Join(dir, "active_config"))
		name = strings.TrimSpace(string(b))
		if err != nil || name == "" {
			name = "default"
		}
	}
	f, err := os.Open(filepath.Join(dir, "configurations", "config_"+name))
	if err != nil {
		return ""
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && section == "core" && strings.TrimSpace(k) == "account" {
			return strings.TrimSpace(v)
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

func runGcloud(ctx context.Context, bin string, o *Options) (*Token, error) {
	cmd := exec.CommandContext(ctx, bin, "config", "config-helper", "--format=json")
	cmd.Env = os.Environ()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		msg := errorLines(stderr.String())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("gcloud config config-helper did not finish: %w", ctx.Err())
		}
		hint := "run `gcloud auth login`"
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
		Identity:    out.Configuration.Properties.Core.Account,
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
