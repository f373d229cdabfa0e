package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// A subject token — the JWT a CI job or a pod's service account presents to
// STS — is read here without verifying it: Google verifies it. The helper
// only needs what goes into a cache key and into error messages, and it
// never shows the token itself, not even a piece of it.

// MaxJWTSize bounds a subject token: Kubernetes and CI tokens are 1 to
// 2 KiB.
const MaxJWTSize = 32 << 10

// ErrSubjectTokenExpired marks a subject token whose exp has passed: ask
// its source for a fresh one.
var ErrSubjectTokenExpired = errors.New("subject token expired")

// JWTClaims are the claims of a subject token that the helper uses.
type JWTClaims struct {
	Issuer    string
	Subject   string
	Audience  []string
	Expiry    time.Time
	IssuedAt  time.Time // zero when absent
	NotBefore time.Time // zero when absent

	// Kubernetes service-account tokens: the kubernetes.io claim.
	Namespace         string
	ServiceAccount    string
	ServiceAccountUID string
	Pod               string

	// CI tokens.
	Repository  string // GitHub Actions: owner/name
	ProjectPath string // GitLab CI: group/project
}

// ReadJWT reads the claims of a compact JWS without verifying its
// signature. It refuses what is not a JWT (three base64url parts, a JSON
// header with an alg, a JSON object of claims without duplicate names, at
// most MaxJWTSize bytes), a token without iss, sub or exp, and one expired
// at now (wrapping ErrSubjectTokenExpired). Errors never contain the
// token.
func ReadJWT(token string, now time.Time) (*JWTClaims, error) {
	notJWT := func(why string) error { return errors.New("subject token is not a JWT: " + why) }
	if len(token) > MaxJWTSize {
		return nil, notJWT(fmt.Sprintf("it is %d bytes, more than %d", len(token), MaxJWTSize))
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, notJWT(fmt.Sprintf("it has %d dot-separated parts, want 3", len(parts)))
	}
	for i, p := range parts {
		if i < 2 && p == "" {
			return nil, notJWT("an empty header or payload")
		}
		if strings.ContainsFunc(p, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			return nil, notJWT("it has characters outside base64url (whitespace, padding, quotes?)")
		}
	}
	header, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	payload, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	if err1 != nil || err2 != nil {
		return nil, notJWT("its header or payload is not base64url")
	}
	var h struct {
		Alg *string `json:"alg"`
	}
	if err := decodeObject(header, &h); err != nil || h.Alg == nil || *h.Alg == "" {
		return nil, notJWT("its header is not a JSON object with an alg")
	}
	var claims map[string]json.RawMessage
	if err := decodeObject(payload, &claims); err != nil {
		return nil, notJWT("its payload is not a JSON object of claims (" + err.Error() + ")")
	}
	c := &JWTClaims{}
	var k, sa, pod map[string]json.RawMessage
	var exp, iat, nbf *float64
	// In order: a nested object is read before its fields.
	for _, f := range []struct {
		from *map[string]json.RawMessage
		name string
		to   any
	}{
		{&claims, "iss", &c.Issuer}, {&claims, "sub", &c.Subject},
		{&claims, "exp", &exp}, {&claims, "iat", &iat}, {&claims, "nbf", &nbf},
		{&claims, "repository", &c.Repository}, {&claims, "project_path", &c.ProjectPath},
		{&claims, "kubernetes.io", &k},
		{&k, "namespace", &c.Namespace}, {&k, "serviceaccount", &sa}, {&k, "pod", &pod},
		{&sa, "name", &c.ServiceAccount}, {&sa, "uid", &c.ServiceAccountUID},
		{&pod, "name", &c.Pod},
	} {
		raw, ok := (*f.from)[f.name]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, f.to); err != nil {
			return nil, notJWT(fmt.Sprintf("its %s claim is not of the expected type", f.name))
		}
	}
	if c.Audience, err1 = readAudience(claims["aud"]); err1 != nil {
		return nil, notJWT(err1.Error())
	}
	var ok bool
	if c.Expiry, ok = numericDate(exp); !ok {
		return nil, notJWT("its exp is not a date")
	}
	if c.IssuedAt, ok = numericDate(iat); !ok {
		return nil, notJWT("its iat is not a date")
	}
	if c.NotBefore, ok = numericDate(nbf); !ok {
		return nil, notJWT("its nbf is not a date")
	}
	switch {
	case c.Issuer == "":
		return nil, errors.New("subject token has no issuer (iss claim)")
	case c.Subject == "":
		return nil, fmt.Errorf("subject token of %s has no subject (sub claim)", c.describeIssuer())
	case c.Expiry.IsZero():
		return nil, fmt.Errorf("subject token %s has no expiry (exp claim)", c.Describe())
	case !now.Before(c.Expiry):
		return nil, fmt.Errorf("%w: %s expired %s ago (at %s)", ErrSubjectTokenExpired, c.Describe(),
			now.Sub(c.Expiry).Round(time.Second), c.Expiry.UTC().Format(time.RFC3339))
	}
	return c, nil
}

// decodeObject decodes a JSON object into v, refusing duplicate names at
// any depth and trailing data (StrictJSON).
func decodeObject(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not an object")
	}
	if err := StrictJSON(b, false); err != nil {
		return err
	}
	if json.Unmarshal(b, v) != nil {
		return errInvalidJSON
	}
	return nil
}

// readAudience reads aud: absent, a string, or an array of strings.
func readAudience(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		return nil, errors.New("its aud is neither a string nor an array of strings")
	}
	return many, nil
}

// numericDate converts a NumericDate (seconds since the epoch, possibly
// fractional); nil is the zero time. Dates before 1970 or after year 10000
// are refused.
func numericDate(v *float64) (time.Time, bool) {
	if v == nil {
		return time.Time{}, true
	}
	f := *v
	if math.IsNaN(f) || f < 0 || f > 253402300799 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true
}

// Describe names the token's identity for messages: the Kubernetes service
// account, or the repository or project, else the subject, and the issuer.
// Claims are quoted: they come from outside.
func (c *JWTClaims) Describe() string {
	switch {
	case c.Namespace != "" && c.ServiceAccount != "":
		return fmt.Sprintf("of service account %q in namespace %q (%s)", truncate(c.ServiceAccount, 64), truncate(c.Namespace, 64), c.describeIssuer())
	case c.Repository != "":
		return fmt.Sprintf("of repository %q (%s)", truncate(c.Repository, 100), c.describeIssuer())
	case c.ProjectPath != "":
		return fmt.Sprintf("of project %q (%s)", truncate(c.ProjectPath, 100), c.describeIssuer())
	}
	return fmt.Sprintf("for %q (%s)", truncate(c.Subject, 100), c.describeIssuer())
}

func (c *JWTClaims) describeIssuer() string {
	return fmt.Sprintf("issuer %q", truncate(c.Issuer, 100))
}

// Identity is a canonical text of the claims that decide who the token
// federates to — iss, sub, the Kubernetes namespace, service account and
// its uid, the repository or project path — and nothing that changes
// from one token to the next (exp, iat, jti, the pod), for a cache key:
// tokens of one service account or one job share it.
func (c *JWTClaims) Identity() string {
	b, _ := json.Marshal([]string{c.Issuer, c.Subject, c.Namespace, c.ServiceAccount, c.ServiceAccountUID, c.Repository, c.ProjectPath})
	return string(b)
}
