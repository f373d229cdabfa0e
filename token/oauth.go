package token

import (
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// describeOAuthError turns a token endpoint failure into a short message:
// the status and Google's error code and description, never the body
// verbatim (it may echo what was sent).
func describeOAuthError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	if re.ErrorCode == "" {
		// golang.org/x/oauth2/jwt leaves the code unparsed: read Google's
		// {"error","error_description"} body (only those two fields).
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(re.Body, &body) == nil && validCode(body.Error) {
			re.ErrorCode, re.ErrorDescription = body.Error, body.Description
		}
	}
	msg := fmt.Sprintf("token endpoint refused the credential (HTTP %d", status)
	if re.ErrorCode != "" {
		msg += ", " + re.ErrorCode
	}
	if re.ErrorDescription != "" {
		msg += ": " + truncate(Redact(re.ErrorDescription), 200)
	}
	msg += ")"
	if re.ErrorCode == "invalid_grant" {
		return withHint(errors.New(msg), "the key or login was revoked or expired: create a new key, or run `gcloud auth application-default login`")
	}
	return errors.New(msg)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// validCode reports whether s looks like an OAuth error code
// ("invalid_grant"): lower-case letters and underscores.
func validCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}
