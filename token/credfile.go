package token

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2/google"
)

// credentialTypes are the credential JSON types golang.org/x/oauth2/google
// accepts; each is parsed with the type-checked constructor.
var credentialTypes = []google.CredentialsType{
	google.ServiceAccount,
	google.AuthorizedUser,
	google.ExternalAccount,
	google.ExternalAccountAuthorizedUser,
	google.ImpersonatedServiceAccount,
	google.GDCHServiceAccount,
}

// credentialFile serves a credential JSON file: GOOGLE_APPLICATION_CREDENTIALS,
// our setting, or gcloud's application-default credentials.
type credentialFile struct {
	source string // SourceCredentialsFile or SourceADC
	path   string
	unset  string // why it is not configured when path is empty
}

func (s credentialFile) name() string { return s.source }

// credentialInfo is what identifies a credential file, read without touching
// its secrets.
type credentialInfo struct {
	Type                           string `json:"type"`
	ClientEmail                    string `json:"client_email"`
	ClientID                       string `json:"client_id"`
	Audience                       string `json:"audience"`
	UniverseDomain                 string `json:"universe_domain"`
	ServiceAccountImpersonationURL string `json:"service_account_impersonation_url"`
}

func (s credentialFile) resolve(ctx context.Context, o *Options) (*candidate, error) {
	if s.path == "" {
		return nil, notConfigured("%s", s.unset)
	}
	raw, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) && s.source == SourceADC {
		return nil, notConfigured("no %s", s.path)
	}
	if err != nil {
		return nil, fmt.Errorf("read credential file: %w", err)
	}
	data, info, err := ParseCredentials(raw)
	if err != nil {
		return nil, fmt.Errorf("credential file %s: %w", s.path, err)
	}
	universe := info.UniverseDomain
	if universe == "" || info.Type == string(google.AuthorizedUser) {
		universe = DefaultUniverse // the library only supports user credentials there
	}
	return &candidate{
		identity: info.identity(),
		universe: universe,
		fetch: func(ctx context.Context) (*Token, error) {
			// Checked before the file's endpoints are used, not on every
			// get: a cached token sends nothing anywhere.
			if !o.AllowCustomURLs {
				if err := checkCredentialURLs(data); err != nil {
					return nil, withHint(fmt.Errorf("credential file %s: %w", s.path, err), "use a credential file from Google, or set allow_custom_credential_urls if you trust this one")
				}
			}
			creds, err := google.CredentialsFromJSONWithTypeAndParams(o.oauthContext(ctx), data,
				google.CredentialsType(info.Type), google.CredentialsParams{Scopes: []string{Scope}})
			if err != nil {
				return nil, fmt.Errorf("load %s credential: %w", info.Type, err)
			}
			t, err := creds.TokenSource.Token()
			if err != nil {
				return nil, describeOAuthError(err)
			}
			if t.AccessToken == "" {
				return nil, errors.New("token endpoint returned an empty access token")
			}
			return &Token{AccessToken: t.AccessToken, Expiry: t.Expiry}, nil
		},
	}, nil
}

// identity names the principal without a secret: the email where the file
// has one, else the client or audience.
func (c *credentialInfo) identity() string {
	switch {
	case c.ServiceAccountImpersonationURL != "":
		if u, err := url.Parse(c.ServiceAccountImpersonationURL); err == nil {
			if _, after, ok := strings.Cut(u.Path, "serviceAccounts/"); ok {
				email, _, _ := strings.Cut(after, ":")
				return email
			}
		}
		return c.Type + " " + c.ServiceAccountImpersonationURL
	case c.ClientEmail != "":
		return c.ClientEmail
	case c.Audience != "":
		return c.Type + " " + c.Audience
	default:
		return c.Type + " client " + c.ClientID
	}
}

// ParseCredentials accepts a credential JSON, raw or base64-encoded (as
// _json_key_base64 and many CI systems carry it), and returns the JSON and
// what identifies it. The type must be one the Google library accepts.
func ParseCredentials(raw []byte) ([]byte, *credentialInfo, error) {
	data := bytes.TrimSpace(raw)
	if len(data) == 0 {
		return nil, nil, errors.New("empty credential file")
	}
	if data[0] != '{' {
		dec, err := decodeBase64(data)
		if err != nil {
			return nil, nil, errors.New("neither JSON nor base64-encoded JSON; download a key or run `gcloud auth application-default login`")
		}
		data = bytes.TrimSpace(dec)
		if len(data) == 0 || data[0] != '{' {
			return nil, nil, errors.New("base64 content does not decode to a JSON object")
		}
	}
	var info credentialInfo
	if err := json.Unmarshal(data, &info); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, nil, fmt.Errorf("invalid JSON at byte %d", se.Offset)
		}
		return nil, nil, errors.New("invalid credential JSON: a field has the wrong type")
	}
	for _, t := range credentialTypes {
		if info.Type == string(t) {
			return data, &info, nil
		}
	}
	names := make([]string, len(credentialTypes))
	for i, t := range credentialTypes {
		names[i] = string(t)
	}
	if info.Type == "" {
		return nil, nil, fmt.Errorf("no \"type\" field; expected one of %s", strings.Join(names, ", "))
	}
	return nil, nil, fmt.Errorf("unsupported credential type %q; expected one of %s", info.Type, strings.Join(names, ", "))
}

func decodeBase64(b []byte) ([]byte, error) {
	s := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, string(b))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(s); err == nil {
			return d, nil
		}
	}
	return nil, errors.New("not base64")
}
