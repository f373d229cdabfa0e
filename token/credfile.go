package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/oauth2/google"
)

// credentialFile serves a credential JSON file: GOOGLE_APPLICATION_CREDENTIALS,
// our setting, or gcloud's application-default credentials.
type credentialFile struct {
	source string // SourceCredentialsFile or SourceADC
	path   string
	unset  string // why it is not configured when path is empty
}

func (s credentialFile) name() string { return s.source }

func (s credentialFile) resolve(ctx context.Context, o *Options, _ string) (*configured, error) {
	if s.path == "" {
		return nil, notConfigured("%s", s.unset)
	}
	raw, err := readFile(ctx, s.path)
	if errors.Is(err, fs.ErrNotExist) && s.source == SourceADC {
		return nil, notConfigured("no %s", s.path)
	}
	if err != nil {
		return nil, fmt.Errorf("read credential file: %w", err)
	}
	v, err := parseCredential(raw, o.trust())
	if err != nil {
		return nil, wrapKeepingHint(err, "credential file "+s.path)
	}
	key, err := credentialKey(ctx, raw, v, o)
	if err != nil {
		return nil, fmt.Errorf("credential file %s: %w", s.path, err)
	}
	return &configured{
		tokenSource: credentialTokens{v: v, o: o},
		name:        s.source,
		identity:    v.identity,
		universe:    v.universe,
		key:         key,
	}, nil
}

// credentialTokens are the tokens of a checked credential file:
// golang.org/x/oauth2/google's TokenSource for it, built for each request's
// context from only what was checked (validate.go).
type credentialTokens struct {
	v *credView
	o *Options
}

func (c credentialTokens) Token(ctx context.Context) (*Token, error) {
	creds, err := google.CredentialsFromJSONWithTypeAndParams(c.o.oauthContext(ctx), c.v.data,
		google.CredentialsType(c.v.cred.Type), google.CredentialsParams{Scopes: []string{Scope}})
	if err != nil {
		return nil, fmt.Errorf("load %s credential: %w", c.v.cred.Type, describeOAuthError(err))
	}
	t, err := fromOAuth2(creds.TokenSource, c.v.universe)
	if err != nil {
		if ie := c.impersonationRefused(err); ie != nil {
			return nil, ie
		}
		return nil, err
	}
	return t, nil
}

// impersonationRefused is the one-line error, with the command that grants
// the role, of a file whose service_account_impersonation_url IAM refused
// (403): what --impersonate-service-account says for the same refusal,
// instead of the library's "status code 403: BODY". nil for any other
// error. The library says "oauth2/google: status code N: BODY" for STS too,
// but STS answers in OAuth's shape ({"error": "CODE"}), IAM Credentials in
// Google's ({"error": {"status": ...}}).
func (c credentialTokens) impersonationRefused(err error) error {
	cred := c.v.cred
	if cred.ServiceAccountImpersonationURL == "" {
		return nil
	}
	var ce *cleanError
	if !errors.As(err, &ce) {
		return nil
	}
	_, body, found := strings.Cut(ce.err.Error(), "oauth2/google: status code 403: ")
	if !found {
		return nil
	}
	var g struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(body), &g) != nil || g.Error.Status == "" {
		return nil
	}
	caller := typeExternalAccount + " " + cred.Audience
	if cred.Type == typeImpersonatedServiceAccount && cred.SourceCredentials != nil {
		caller = cred.SourceCredentials.identity()
	}
	return impersonationError(http.StatusForbidden, []byte(body), caller, impersonatedEmail(cred))
}

// credentialKey is what decides the principal of a credential file, for the
// cache key: a digest of the file (its secrets included) and, for every
// external_account in it, of where its subject token comes from and, when
// that is cheap, of what it yields: a file's content (read here, so a file
// that is not a regular file is refused before the library opens it), a
// URL and its headers (not fetched), a program's command line, AWS's
// access key from the environment. Never a secret in clear.
func credentialKey(ctx context.Context, raw []byte, v *credView, o *Options) ([]string, error) {
	key := []string{"file=" + digest("credential file", raw)}
	for c := v.cred; c != nil; c = c.SourceCredentials {
		cs := c.CredentialSource
		if c.Type != typeExternalAccount || cs == nil {
			continue
		}
		switch {
		case cs.EnvironmentID != "":
			key = append(key, "subject=aws:"+digest("aws subject", []byte(cs.EnvironmentID), []byte(cs.RegionURL), []byte(cs.URL),
				[]byte(o.getenv("AWS_ACCESS_KEY_ID")), []byte(o.getenv("AWS_REGION")), []byte(o.getenv("AWS_DEFAULT_REGION"))))
		case cs.File != "":
			b, err := readRaw(ctx, cs.File)
			if err != nil {
				return nil, fmt.Errorf("credential_source.file: %w", err)
			}
			// Google's library reads this file itself and would send the
			// mark as part of the token, which STS refuses as unparsable.
			if m := mark(b); m != "" {
				return nil, fmt.Errorf("credential_source.file %s starts with %s, which Google's library would send as part of the subject token: save it as UTF-8 without BOM", cs.File, m)
			}
			key = append(key, "subject=file:"+digest("subject token file", []byte(cs.File), b))
		case cs.URL != "":
			parts := [][]byte{[]byte(cs.URL)}
			for _, k := range slices.Sorted(maps.Keys(cs.Headers)) {
				parts = append(parts, []byte(k), []byte(cs.Headers[k]))
			}
			key = append(key, "subject=url:"+digest("subject token url", parts...))
		case cs.Executable != nil:
			key = append(key, "subject=executable:"+digest("subject token executable", []byte(cs.Executable.Command), []byte(cs.Executable.OutputFile)))
		}
	}
	return key, nil
}

// wrapKeepingHint prefixes err with context, keeping its hint for the
// chain's next step.
func wrapKeepingHint(err error, context string) error {
	wrapped := fmt.Errorf("%s: %w", context, err)
	var h *hintError
	if errors.As(err, &h) {
		return withHint(wrapped, h.hint)
	}
	return wrapped
}
