package token

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// TestRealisticCredentialFiles: a file of every type the library accepts,
// as Google's tools write it (real endpoint names), yields a working token
// through the check with the helper's default trust: no field the library
// needs is dropped by the re-encoding. Google's hosts are served by the
// fake (and AWS's metadata service by a small fake), never the network.
func TestRealisticCredentialFiles(t *testing.T) {
	f := newFixture(t)
	g, err := fakegoogle.New(fakegoogle.Options{RealHosts: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const target = "target@p.iam.gserviceaccount.com"
	iamURL := "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" + target + ":generateAccessToken"
	jsonOf := func(v any) []byte { b, _ := json.MarshalIndent(v, "", "  "); return b }
	edit := func(file []byte, change func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(file, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		return jsonOf(m)
	}
	must := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	key := must(g.NewServiceAccount("sa@p.iam.gserviceaccount.com"))
	user := must(g.NewAuthorizedUser("me@example.com"))
	wif := must(g.NewExternalAccount("wif@p.iam.gserviceaccount.com", f.dir))
	var wifCred struct {
		Audience         string `json:"audience"`
		CredentialSource struct {
			File string `json:"file"`
		} `json:"credential_source"`
	}
	json.Unmarshal(wif, &wifCred)
	subject := string(mustRead(t, wifCred.CredentialSource.File))
	g.AllowImpersonation("wif@p.iam.gserviceaccount.com", target)
	g.AllowImpersonation("me@example.com", "delegate@p.iam.gserviceaccount.com")
	g.AllowImpersonation("delegate@p.iam.gserviceaccount.com", target)

	// AWS: the instance metadata service, and an STS that checks the signed
	// GetCallerIdentity request, then exchanges the principal's OIDC subject
	// token at the fake's STS (which knows subject tokens by value).
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			io.WriteString(w, "imds-session")
		case r.Header.Get("X-aws-ec2-metadata-token") != "imds-session":
			http.Error(w, "no session", http.StatusUnauthorized)
		case r.URL.Path == "/latest/meta-data/placement/availability-zone":
			io.WriteString(w, "us-east-1b")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials":
			io.WriteString(w, "wif-role")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/wif-role":
			io.WriteString(w, `{"AccessKeyId":"ASIAFAKE","SecretAccessKey":"aws-secret","Token":"aws-session-token"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer imds.Close()
	awsSTS := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		var signed struct {
			URL     string `json:"url"`
			Method  string `json:"method"`
			Headers []struct{ Key, Value string }
		}
		raw, _ := url.QueryUnescape(r.PostForm.Get("subject_token"))
		json.Unmarshal([]byte(raw), &signed)
		h := map[string]string{}
		for _, kv := range signed.Headers {
			h[strings.ToLower(kv.Key)] = kv.Value
		}
		if r.PostForm.Get("subject_token_type") != "urn:ietf:params:aws:token-type:aws4_request" ||
			!strings.HasPrefix(signed.URL, "https://sts.us-east-1.amazonaws.com") || signed.Method != "POST" ||
			!strings.Contains(h["authorization"], "Credential=ASIAFAKE/") || h["x-amz-security-token"] != "aws-session-token" ||
			h["x-goog-cloud-target-resource"] != r.PostForm.Get("audience") {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		form := url.Values{"grant_type": {r.PostForm.Get("grant_type")}, "requested_token_type": {r.PostForm.Get("requested_token_type")},
			"audience": {r.PostForm.Get("audience")}, "scope": {r.PostForm.Get("scope")},
			"subject_token_type": {"urn:ietf:params:oauth:token-type:jwt"}, "subject_token": {subject}}
		resp, err := http.PostForm(g.URL+"/v1/token", form)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	defer awsSTS.Close()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "") // the library reads them: use the metadata service
	}

	// An executable source (with both opt-ins): a program printing the
	// subject token in Google's executable response format.
	exe := ""
	if runtime.GOOS != "windows" {
		resp := jsonOf(map[string]any{"version": 1, "success": true, "token_type": "urn:ietf:params:oauth:token-type:jwt",
			"id_token": subject, "expiration_time": time.Now().Add(time.Hour).Unix()})
		exe = f.write("bin/subject-token", []byte("#!/bin/sh\ncat <<'J'\n"+string(resp)+"\nJ\n"))
		os.Chmod(exe, 0o755)
	}

	for name, tt := range map[string]struct {
		file   []byte
		want   string
		custom bool              // the executable: both opt-ins
		route  map[string]string // beyond Google's hosts -> the fake
	}{
		"service_account":        {key, "sa@p.iam.gserviceaccount.com", false, nil},
		"service_account base64": {[]byte(base64.StdEncoding.EncodeToString(key)), "sa@p.iam.gserviceaccount.com", false, nil},
		"gdch_service_account":   {[]byte(strings.Replace(string(key), `"service_account"`, `"gdch_service_account"`, 1)), "sa@p.iam.gserviceaccount.com", false, nil},
		"authorized_user":        {user, "me@example.com", false, nil},
		"external_account file":  {wif, "wif@p.iam.gserviceaccount.com", false, nil},
		"external_account file, impersonating": {edit(wif, func(m map[string]any) {
			m["service_account_impersonation_url"] = iamURL
			m["service_account_impersonation"] = map[string]any{"token_lifetime_seconds": 1800}
		}), target, false, nil},
		"external_account aws": {jsonOf(map[string]any{
			"type": "external_account", "audience": wifCred.Audience, "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
			"token_url": "https://sts.googleapis.com/v1/token",
			"credential_source": map[string]any{
				"environment_id":                 "aws1",
				"region_url":                     "http://169.254.169.254/latest/meta-data/placement/availability-zone",
				"url":                            "http://169.254.169.254/latest/meta-data/iam/security-credentials",
				"regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
				"imdsv2_session_token_url":       "http://169.254.169.254/latest/api/token",
			},
		}), "wif@p.iam.gserviceaccount.com", false, map[string]string{"169.254.169.254": imds.URL, "sts.googleapis.com": awsSTS.URL}},
		"external_account executable": {edit(wif, func(m map[string]any) {
			m["credential_source"] = map[string]any{"executable": map[string]any{"command": exe, "timeout_millis": 5000}}
		}), "wif@p.iam.gserviceaccount.com", true, nil},
		"external_account_authorized_user": {edit(user, func(m map[string]any) {
			m["type"] = "external_account_authorized_user"
			m["audience"] = "//iam.googleapis.com/locations/global/workforcePools/pool/providers/provider"
			m["token_url"] = "https://sts.googleapis.com/v1/oauthtoken"
			m["token_info_url"] = "https://sts.googleapis.com/v1/introspect"
			m["revoke_url"] = "https://sts.googleapis.com/v1/revoke"
			delete(m, "token_uri")
		}), "me@example.com", false, nil},
		"impersonated_service_account of a user": {jsonOf(map[string]any{
			"type": "impersonated_service_account", "service_account_impersonation_url": iamURL,
			"delegates": []string{"projects/-/serviceAccounts/delegate@p.iam.gserviceaccount.com"}, "source_credentials": json.RawMessage(user),
		}), target, false, nil},
		"impersonated_service_account of an external_account": {jsonOf(map[string]any{
			"type": "impersonated_service_account", "service_account_impersonation_url": iamURL, "source_credentials": json.RawMessage(wif),
		}), target, false, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if tt.custom {
				if exe == "" {
					t.Skip("the stand-in program is a shell script")
				}
				t.Setenv("GOOGLE_EXTERNAL_ACCOUNT_ALLOW_EXECUTABLES", "1")
			}
			route := map[string]string{"*": g.URL}
			for h, u := range tt.route {
				route[h] = u
			}
			rr := newReroute(route)
			rr.paths = map[string]string{"/v1/oauthtoken": "/token"} // STS's refresh endpoint, served by the fake's OAuth refresh grant
			o := f.trusting(f.write("cred.json", tt.file))
			o.AllowCustomURLs = tt.custom
			o.HTTPClient = rr.client()
			o.Universe = DefaultUniverse
			tok, err := f.token(o)
			if err != nil {
				t.Fatalf("Token() = %v, want a token of %s", err, tt.want)
			}
			if p, ok := g.Principal(tok.AccessToken); !ok || p != tt.want {
				t.Errorf("Token() = a token of %q (%v), want %s's", p, ok, tt.want)
			}
			for _, h := range rr.hosts() {
				if !strings.HasSuffix(h, ".googleapis.com") && h != "http://169.254.169.254" {
					t.Errorf("a request went to %s", h)
				}
			}
			t.Logf("requests: %v", rr.hosts())
		})
	}
}
