package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestStrictJSON: the one check of "no name twice" that credential files,
// subject tokens' claims and the kubelet's requests share: a name twice at
// any depth is a *DuplicateNameError naming where (with fold, in any case
// encoding/json matches alike), never a value; trailing data, invalid JSON
// and nesting past MaxJSONDepth are refused; everything else passes.
func TestStrictJSON(t *testing.T) {
	deep := strings.Repeat("[", MaxJSONDepth+1) + strings.Repeat("]", MaxJSONDepth+1)
	tests := []struct {
		in       string
		fold     bool
		dup, err string // the duplicate's path, or a part of the error; both "": valid
	}{
		{`{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}`, true, "", ""},
		{`{"a":1,"a":2}`, false, "a", ""},
		{`{"a":{"b":[1,{"c":"SECRET","c":"x"}]}}`, false, "a.b[1].c", ""},
		{`{"token_url":"x","TOKEN_URL":"y"}`, true, "TOKEN_URL", ""},
		{`{"token_url":"x","TOKEN_URL":"y"}`, false, "", ""},                         // claims and requests: names keep their case
		{`{"private_key":"a","private_\u212aey":"b"}`, true, "private_\u212aey", ""}, // the Kelvin sign folds to k
		{`{"a":1} {}`, false, "", "data after"},
		{`{"a":`, false, "", "invalid JSON"},
		{deep, false, "", "nested deeper"},
		{strings.Repeat("[", MaxJSONDepth) + strings.Repeat("]", MaxJSONDepth), false, "", ""},
	}
	for _, tt := range tests {
		err := StrictJSON([]byte(tt.in), tt.fold)
		var d *DuplicateNameError
		switch {
		case tt.dup != "":
			if !errors.As(err, &d) || d.Path != tt.dup || !strings.Contains(err.Error(), "twice") || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("StrictJSON(%.60s, fold %v) = %v, want the duplicate at %s, no value shown", tt.in, tt.fold, err, tt.dup)
			}
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("StrictJSON(%.60s) = %v, want an error with %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("StrictJSON(%.60s, fold %v) = %v, want nil", tt.in, tt.fold, err)
		}
	}
	// Its callers: a credential file (in any case) and a JWT's claims.
	if _, err := parseCredential([]byte(`{"type":"service_account","x":{"Y":1,"y":2}}`), defaultTrust()); !errors.As(err, new(*DuplicateNameError)) {
		t.Errorf("parseCredential(a nested key twice) = %v, want a *DuplicateNameError", err)
	}
	jwt := fedUnsigned(`{"alg":"RS256"}`, `{"iss":"i","sub":"s","exp":4000000000,"kubernetes.io":{"namespace":"a","namespace":"b"}}`)
	if _, err := ReadJWT(jwt, time.Unix(1_800_000_000, 0)); err == nil || !strings.Contains(err.Error(), "kubernetes.io.namespace") {
		t.Errorf("ReadJWT(a nested claim twice) = %v, want the duplicate named", err)
	}
}
