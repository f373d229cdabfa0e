package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// describeOAuthError turns a token endpoint failure into a short message:
// the status and Google's error code and description, never the body
// verbatim (it may echo what was sent).
func describeOAuthError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		var h *hintError
		if errors.As(err, &h) {
			return err // ours
		}
		return &cleanError{msg: clean(err.Error()), err: err}
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

// cleanError is a library's error as shown: see clean.
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

// libraryNoise is what golang.org/x/oauth2/google puts in an error that may
// hold a secret: a URL's user information, query or fragment (a file's
// credential_source.url may carry a key), and a server's answer ("status
// code 403: BODY", "unable to retrieve AWS region - BODY"), which may echo
// what was sent.
var libraryNoise = sync.OnceValue(func() []*regexp.Regexp {
	return []*regexp.Regexp{
		regexp.MustCompile(`((?i:https?)://)[^/\s"@]*@`),
		regexp.MustCompile(`((?i:https?)://[^\s"?#]*)[?#][^\s"]*`),
		regexp.MustCompile(`(?s)(unable to retrieve AWS [a-zA-Z ]+) - .*`),
	}
})

// clean is the message of a library error without what may hold a secret:
// a server's answer is reduced to its OAuth error code and description.
func clean(msg string) string {
	for _, re := range libraryNoise() {
		msg = re.ReplaceAllString(msg, "$1")
	}
	if i := strings.Index(msg, "status code "); i >= 0 {
		if j := strings.Index(msg[i:], ": "); j >= 0 {
			head, body := msg[:i+j], msg[i+j+2:]
			msg = head + oauthErrorOf([]byte(body))
		}
	}
	return truncate(Redact(msg), 300)
}

// oauthErrorOf is " (code: description)" of an OAuth or Google API error
// body, or "" for anything else.
func oauthErrorOf(body []byte) string {
	var b struct {
		Error       json.RawMessage `json:"error"`
		Description string          `json:"error_description"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	var code string
	var api struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	switch {
	case json.Unmarshal(b.Error, &code) == nil && validCode(code):
	case json.Unmarshal(b.Error, &api) == nil && api.Status != "":
		code, b.Description = strings.ToLower(api.Status), api.Message
		if !validCode(code) {
			return ""
		}
	default:
		return ""
	}
	if b.Description != "" {
		return " (" + code + ": " + truncate(b.Description, 200) + ")"
	}
	return " (" + code + ")"
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
