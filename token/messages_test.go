package token

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/fakegoogle"
)

// TestGrantHintPasteable: the command that grants the impersonation role
// names the caller as the IAM member it is, ready to paste.
func TestGrantHintPasteable(t *testing.T) {
	const tgt = "t@p.iam.gserviceaccount.com"
	const cmd = "gcloud iam service-accounts add-iam-policy-binding " + tgt + " --member="
	for _, tt := range []struct{ caller, want string }{
		{"vm@p.iam.gserviceaccount.com", cmd + "serviceAccount:vm@p.iam.gserviceaccount.com --role=roles/iam.serviceAccountTokenCreator"},
		{"123-compute@developer.gserviceaccount.com", cmd + "serviceAccount:123-compute@developer.gserviceaccount.com --role=roles/iam.serviceAccountTokenCreator"},
		{"sa@p.s3ns.iam.gserviceaccount.com", cmd + "serviceAccount:sa@p.s3ns.iam.gserviceaccount.com --role=roles/iam.serviceAccountTokenCreator"},
		{"me@example.com", cmd + "user:me@example.com --role=roles/iam.serviceAccountTokenCreator"},
		{"principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/subject/repo:o/r:ref:refs/heads/main",
			cmd + "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/subject/repo:o/r:ref:refs/heads/main --role=roles/iam.workloadIdentityUser"},
		{"external_account //iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/providers/github",
			cmd + "'principalSet://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/ci/*' --role=roles/iam.workloadIdentityUser"},
		{"external_account //iam.googleapis.com/locations/global/workforcePools/staff/providers/okta",
			cmd + "'principalSet://iam.googleapis.com/locations/global/workforcePools/staff/*' --role=roles/iam.workloadIdentityUser"},
		{"authorized_user client 123.apps.googleusercontent.com",
			cmd + "MEMBER --role=roles/iam.serviceAccountTokenCreator (MEMBER: user:EMAIL or serviceAccount:EMAIL, the account of authorized_user client 123.apps.googleusercontent.com)"},
	} {
		if got := grantHint(tt.caller, tgt); got != tt.want {
			t.Errorf("grantHint(%q) =\n  %s\nwant\n  %s", tt.caller, got, tt.want)
		}
	}
}

// TestImpersonationRefusedHint: --impersonate-service-account refused for
// the VM's account: the hint is the command to paste.
func TestImpersonationRefusedHint(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	o := f.options(SourceMetadata)
	o.Impersonate = []string{"target@p.iam.gserviceaccount.com"}
	_, err := f.token(o)
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("Token() = %v, want a *ChainError", err)
	}
	want := "gcloud iam service-accounts add-iam-policy-binding target@p.iam.gserviceaccount.com --member=serviceAccount:vm@p.iam.gserviceaccount.com --role=roles/iam.serviceAccountTokenCreator"
	if ce.Hint() != want {
		t.Errorf("Hint() = %q, want %q", ce.Hint(), want)
	}
}

// TestExternalAccountImpersonationRefused: an external_account whose
// service_account_impersonation_url IAM refuses gets the one-line role hint
// --impersonate-service-account gives, with the pool as the member, not the
// library's "status code 403: BODY".
func TestExternalAccountImpersonationRefused(t *testing.T) {
	f := newFixture(t)
	wif, err := f.g.NewExternalAccount("wif@p.iam.gserviceaccount.com", f.dir)
	if err != nil {
		t.Fatal(err)
	}
	const tgt = "target@p.iam.gserviceaccount.com"
	var m map[string]any
	json.Unmarshal(wif, &m)
	m["service_account_impersonation_url"] = f.g.URL + "/v1/projects/-/serviceAccounts/" + tgt + ":generateAccessToken"
	wif, _ = json.Marshal(m)
	o := f.options(SourceCredentialsFile)
	o.CredentialsFile = f.write("wif.json", wif)
	_, err = f.token(o)
	var ce *ChainError
	if !errors.As(err, &ce) || len(ce.Failures) != 1 {
		t.Fatalf("Token() = %v, want one failure", err)
	}
	line := ce.Failures[0].Error()
	for _, want := range []string{"impersonate " + tgt + ": permission denied", "roles/iam.workloadIdentityUser on " + tgt} {
		if !strings.Contains(line, want) {
			t.Errorf("failure = %q, want it to say %q", line, want)
		}
	}
	if strings.ContainsAny(line, "\n{") || strings.Contains(line, "status code") {
		t.Errorf("failure = %q, want one line without the library's status and body", line)
	}
	pool := strings.TrimSuffix(m["audience"].(string), "/providers/fake-provider")
	want := "gcloud iam service-accounts add-iam-policy-binding " + tgt + " --member='principalSet:" + pool + "/*' --role=roles/iam.workloadIdentityUser"
	if ce.Hint() != want {
		t.Errorf("Hint() = %q, want %q", ce.Hint(), want)
	}

	// STS refusing the subject token is not an impersonation refusal.
	f.g.SetFault("sts", fakegoogle.Fault{Status: 403, Body: `{"error":"access_denied","error_description":"no"}`})
	defer f.g.SetFault("sts", fakegoogle.Fault{})
	_, err = f.token(o)
	if err == nil || strings.Contains(err.Error(), "impersonate") {
		t.Errorf("Token() with STS refusing = %v, want STS's refusal, not an impersonation one", err)
	}
}

// TestOtherUniverseCredentialHint: a googleapis.com key in
// GOOGLE_APPLICATION_CREDENTIALS, used for an S3NS registry: the next step
// says the key must be an S3NS one and how to get one, not to set the
// variable that is set.
func TestOtherUniverseCredentialHint(t *testing.T) {
	f := newFixture(t)
	f.g.SetMetadataAccount("default", "vm@p.iam.gserviceaccount.com")
	o := f.options()
	o.CredentialsFile = f.write("key.json", f.serviceAccount("sa@p.iam.gserviceaccount.com"))
	_, err := f.tokenFor(o, "s3nsapis.fr")
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("Token() = %v, want a *ChainError", err)
	}
	h := ce.Hint()
	for _, want := range []string{"GOOGLE_APPLICATION_CREDENTIALS", "googleapis.com", "S3NS", `"universe_domain" is s3nsapis.fr`, "gcloud iam service-accounts keys create"} {
		if !strings.Contains(h, want) {
			t.Errorf("Hint() = %q, want it to say %q", h, want)
		}
	}
	if strings.Contains(h, "\n") || strings.Contains(h, "or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file") {
		t.Errorf("Hint() = %q, want one line, not the generic login advice", h)
	}

	// Only the metadata server, of googleapis.com.
	o.CredentialsFile = ""
	_, err = f.tokenFor(o, "s3nsapis.fr")
	if !errors.As(err, &ce) || !strings.Contains(ce.Hint(), "S3NS") || !strings.Contains(ce.Hint(), "GOOGLE_APPLICATION_CREDENTIALS to a key") {
		t.Errorf("Hint() with only a googleapis.com VM = %q, want an S3NS key", ce.Hint())
	}
}
