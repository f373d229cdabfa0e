package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The credential JSON types golang.org/x/oauth2/google accepts.
const (
	typeServiceAccount                = "service_account"
	typeAuthorizedUser                = "authorized_user"
	typeExternalAccount               = "external_account"
	typeExternalAccountAuthorizedUser = "external_account_authorized_user"
	typeImpersonatedServiceAccount    = "impersonated_service_account"
	typeGDCHServiceAccount            = "gdch_service_account"
)

var credentialTypes = []string{typeServiceAccount, typeAuthorizedUser, typeExternalAccount,
	typeExternalAccountAuthorizedUser, typeImpersonatedServiceAccount, typeGDCHServiceAccount}

// credential is a credential JSON file as golang.org/x/oauth2/google
// (v0.37.0: google.go's credentialsFile and what its tokenSource reads of
// it) reads it, under the library's JSON names: every field the library
// reads to mint a token, for every type it accepts. A file is decoded once,
// strictly, into this struct; it is checked (validate.go); and the library
// is given only json.Marshal of the checked struct, so that what the check
// saw is exactly what the library uses. Fields the library reads but never
// uses for a token (auth_uri, project_id) are not carried; unknown fields
// are ignored, as the library ignores them.
type credential struct {
	Type           string `json:"type"`
	UniverseDomain string `json:"universe_domain,omitempty"`

	// service_account, gdch_service_account: the JWT-bearer flow
	// (golang.org/x/oauth2/jwt), which also reads audience.
	ClientEmail  string `json:"client_email,omitempty"`
	PrivateKeyID string `json:"private_key_id,omitempty"`
	PrivateKey   string `json:"private_key,omitempty"`
	// TokenURI is the OAuth token endpoint of service_account,
	// gdch_service_account and authorized_user.
	TokenURI string `json:"token_uri,omitempty"`

	// authorized_user; client_id and client_secret also authenticate
	// external_account(_authorized_user) at STS; refresh_token also
	// external_account_authorized_user's.
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`

	// external_account, external_account_authorized_user.
	Audience                       string             `json:"audience,omitempty"`
	SubjectTokenType               string             `json:"subject_token_type,omitempty"`
	TokenURL                       string             `json:"token_url,omitempty"`
	TokenInfoURL                   string             `json:"token_info_url,omitempty"`
	RevokeURL                      string             `json:"revoke_url,omitempty"`
	ServiceAccountImpersonationURL string             `json:"service_account_impersonation_url,omitempty"` // also impersonated_service_account's
	ServiceAccountImpersonation    *impersonationInfo `json:"service_account_impersonation,omitempty"`
	CredentialSource               *credentialSource  `json:"credential_source,omitempty"`
	QuotaProjectID                 string             `json:"quota_project_id,omitempty"`
	WorkforcePoolUserProject       string             `json:"workforce_pool_user_project,omitempty"`

	// impersonated_service_account.
	Delegates         []string    `json:"delegates,omitempty"`
	SourceCredentials *credential `json:"source_credentials,omitempty"`
}

type impersonationInfo struct {
	TokenLifetimeSeconds int `json:"token_lifetime_seconds,omitempty"`
}

// credentialSource is golang.org/x/oauth2/google/externalaccount's
// CredentialSource: where an external_account's subject token comes from.
type credentialSource struct {
	File                        string            `json:"file,omitempty"`
	URL                         string            `json:"url,omitempty"`
	Headers                     map[string]string `json:"headers,omitempty"`
	Executable                  *executableConfig `json:"executable,omitempty"`
	EnvironmentID               string            `json:"environment_id,omitempty"`
	RegionURL                   string            `json:"region_url,omitempty"`
	RegionalCredVerificationURL string            `json:"regional_cred_verification_url,omitempty"`
	IMDSv2SessionTokenURL       string            `json:"imdsv2_session_token_url,omitempty"`
	Format                      *subjectFormat    `json:"format,omitempty"`
}

type executableConfig struct {
	Command       string `json:"command,omitempty"`
	TimeoutMillis *int   `json:"timeout_millis,omitempty"`
	OutputFile    string `json:"output_file,omitempty"`
}

type subjectFormat struct {
	Type                  string `json:"type,omitempty"`
	SubjectTokenFieldName string `json:"subject_token_field_name,omitempty"`
}

// credentialJSON returns the JSON of a credential file that is raw JSON or
// base64-encoded JSON (as _json_key_base64 and many CI systems carry it).
func credentialJSON(raw []byte) ([]byte, error) {
	data := bytes.TrimSpace(raw)
	if len(data) == 0 {
		return nil, errors.New("empty credential file")
	}
	if data[0] != '{' {
		dec, err := decodeBase64(data)
		if err != nil {
			return nil, errors.New("neither JSON nor base64-encoded JSON; download a key or run `gcloud auth application-default login`")
		}
		data = bytes.TrimSpace(text(dec)) // base64 of a file Windows wrote
		if len(data) == 0 || data[0] != '{' {
			return nil, errors.New("base64 content does not decode to a JSON object")
		}
	}
	return data, nil
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

// decodeCredential decodes a credential JSON strictly: one JSON object, no
// key twice in any object at any depth, in any case (StrictJSON: the
// library's encoding/json would merge the copies, so a check and the library
// would see different files), a field of the wrong type refused. The type
// is not checked here.
func decodeCredential(data []byte) (*credential, error) {
	if json.Valid(data) {
		if err := StrictJSON(data, true); err != nil {
			return nil, fmt.Errorf("%w; a credential file names each key once", err)
		}
	}
	var c credential
	if err := json.Unmarshal(data, &c); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("invalid JSON at byte %d", se.Offset)
		case errors.As(err, &te) && te.Field != "":
			return nil, fmt.Errorf("invalid credential JSON: %s is not a %s", te.Field, jsonKind(te.Type.Kind().String()))
		}
		return nil, errors.New("invalid credential JSON: a field has the wrong type")
	}
	return &c, nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "struct", "map", "ptr":
		return "JSON object"
	case "slice":
		return "JSON array"
	}
	return "number"
}
