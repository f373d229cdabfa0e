package redact

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	secrets := []string{
		"ya29.a0AfB_byC-secret-token_value",
		"1//0gLongRefreshTokenValue-abcdefghijklmnop",
		"MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC",
		"hunter2hunter2",
		"c2VjcmV0LWJhc2ljLWF1dGg=",
	}
	inputs := []string{
		"Authorization: Bearer ya29.a0AfB_byC-secret-token_value",
		`{"access_token":"ya29.a0AfB_byC-secret-token_value","expires_in":3599}`,
		`{"refresh_token": "1//0gLongRefreshTokenValue-abcdefghijklmnop"}`,
		"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC\n-----END PRIVATE KEY-----\n",
		"password=hunter2hunter2&user=x",
		"Authorization: Basic c2VjcmV0LWJhc2ljLWF1dGg=",
	}
	for _, in := range inputs {
		out := String(in)
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("String(%q) = %q, still holds a secret", in, out)
			}
		}
	}
	if got := String("source=metadata identity=vm@p.iam.gserviceaccount.com"); got != "source=metadata identity=vm@p.iam.gserviceaccount.com" {
		t.Errorf("String changed an innocent line: %q", got)
	}
}

func TestLoggerRedacts(t *testing.T) {
	var b bytes.Buffer
	log := NewLogger(&b)
	log.Debug("event", "access_token", "ya29.leak-me-please", "error", errors.New("got ya29.leak-in-error"), "note", "Bearer ya29.leak-in-string", "Authorization", "anything")
	if strings.Contains(b.String(), "leak") || strings.Contains(b.String(), "anything") {
		t.Errorf("logger output holds a secret: %s", b.String())
	}
}
