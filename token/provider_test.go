package token

import (
	"strings"
	"testing"
)

func TestParseWorkloadProvider(t *testing.T) {
	const name = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github"
	const cluster = "https://container.googleapis.com/v1/projects/shop-prod/locations/europe-west1/clusters/prod-1"
	tests := []struct {
		in, universe                string
		audience, oidcAudience, sts string
	}{
		{name, "",
			"//iam.googleapis.com/" + name, "https://iam.googleapis.com/" + name, "https://sts.googleapis.com/v1/token"},
		{"  " + name + "\n", "",
			"//iam.googleapis.com/" + name, "https://iam.googleapis.com/" + name, "https://sts.googleapis.com/v1/token"},
		{"//iam.googleapis.com/" + name, "",
			"//iam.googleapis.com/" + name, "https://iam.googleapis.com/" + name, "https://sts.googleapis.com/v1/token"},
		{"//iam.s3nsapis.fr/" + name, "",
			"//iam.s3nsapis.fr/" + name, "https://iam.s3nsapis.fr/" + name, "https://sts.s3nsapis.fr/v1/token"},
		{"//iam.s3nsapis.fr/" + name, "s3nsapis.fr",
			"//iam.s3nsapis.fr/" + name, "https://iam.s3nsapis.fr/" + name, "https://sts.s3nsapis.fr/v1/token"},
		{name, "s3nsapis.fr",
			"//iam.s3nsapis.fr/" + name, "https://iam.s3nsapis.fr/" + name, "https://sts.s3nsapis.fr/v1/token"},
		{"identitynamespace:shop-prod.svc.id.goog:" + cluster, "",
			"identitynamespace:shop-prod.svc.id.goog:" + cluster, "shop-prod.svc.id.goog", "https://sts.googleapis.com/v1/token"},
		{"identitynamespace:fleet-host.svc.id.goog:https://gkehub.googleapis.com/projects/fleet-host/locations/global/memberships/eks-1", "googleapis.com",
			"identitynamespace:fleet-host.svc.id.goog:https://gkehub.googleapis.com/projects/fleet-host/locations/global/memberships/eks-1", "fleet-host.svc.id.goog", "https://sts.googleapis.com/v1/token"},
	}
	for _, tt := range tests {
		p, err := ParseWorkloadProvider(tt.in, tt.universe)
		if err != nil {
			t.Errorf("ParseWorkloadProvider(%q, %q) error = %v, want none", tt.in, tt.universe, err)
			continue
		}
		if p.Audience() != tt.audience || p.OIDCAudience() != tt.oidcAudience || p.STSEndpoint() != tt.sts {
			t.Errorf("ParseWorkloadProvider(%q, %q) = audience %q, OIDC audience %q, STS %q; want %q, %q, %q",
				tt.in, tt.universe, p.Audience(), p.OIDCAudience(), p.STSEndpoint(), tt.audience, tt.oidcAudience, tt.sts)
		}
		if again, err := ParseWorkloadProvider(p.Audience(), ""); err != nil || again != p {
			t.Errorf("ParseWorkloadProvider(%q).Audience() does not parse back: %+v, %v", tt.in, again, err)
		}
	}

	p, _ := ParseWorkloadProvider(name, "")
	if p.ProjectNumber != "123456789012" || p.Pool != "ci-pool" || p.Provider != "github" || p.ResourceName() != name {
		t.Errorf("ParseWorkloadProvider(%q) = %+v, want project 123456789012, pool ci-pool, provider github", name, p)
	}
	if got, want := p.PoolPrincipal("repo:octo/app:ref:refs/heads/main"),
		"principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/ci-pool/subject/repo:octo/app:ref:refs/heads/main"; got != want {
		t.Errorf("PoolPrincipal() = %q, want %q", got, want)
	}
}

func TestParseWorkloadProviderRefuses(t *testing.T) {
	const ok = "projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github"
	tests := []struct {
		in, universe, part string
	}{
		{"", "", "is empty"},
		{"https://iam.googleapis.com/" + ok, "", "scheme"},
		{"http://evil.example/" + ok, "", "scheme"},
		{"//sts.googleapis.com/" + ok, "", "host"},
		{"//evil.example/" + ok, "", "host"},
		{"//iam.googleapis.com:443/" + ok, "", "universe"},
		{"//iam.Googleapis.com/" + ok, "", "universe"},
		{"//iam.googleapis.com@evil.example/" + ok, "", "name"},
		{"//iam.googleapis.com/" + ok, "s3nsapis.fr", "universe"},
		{"//iam.s3nsapis.fr/" + ok, "googleapis.com", "universe"},
		{ok, "bad universe", "universe"},
		{"iam.googleapis.com/" + ok, "", "start"},
		{"projects/my-project/locations/global/workloadIdentityPools/ci-pool/providers/github", "", "project number"},
		{"projects/0123/locations/global/workloadIdentityPools/ci-pool/providers/github", "", "project"},
		{"projects/123/locations/us-east1/workloadIdentityPools/ci-pool/providers/github", "", "location"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool", "", "not a provider"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/github/extra", "", "path"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/", "", "path"},
		{"projects/123/locations/global/workloadIdentityPools/../providers/github", "", "path"},
		{"projects/123/locations/global/workloadIdentityPools/./providers/github", "", "path"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/../../x/y", "", "path"},
		{"projects/123/locations/global/workloadIdentityPools/CI-POOL/providers/github", "", "pool"},
		{"projects/123/locations/global/workloadIdentityPools/abc/providers/github", "", "pool"},
		{"projects/123/locations/global/workloadIdentityPools/gcp-pool/providers/github", "", "pool"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/git_hub", "", "provider"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/github?x=1", "", "name"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/git%68ub", "", "name"},
		{"projects/123/locations/global/workloadIdentityPools/ci pool/providers/github", "", "whitespace"},
		{"projects/123/locations/global/workloadIdentityPools/ci-pool/providers/githüb", "", "non-ASCII"},
		{"identitynamespace:shop-prod.svc.id.goog:http://container.googleapis.com/v1/projects/p/locations/l/clusters/c", "", "issuer"},
		{"identitynamespace:shop-prod.svc.id.goog:https://evil.example/v1/projects/p/locations/l/clusters/c", "", "issuer"},
		{"identitynamespace:shop-prod.svc.id.goog:https://container.googleapis.com/v1/projects/shop-prod/locations/l1/clusters", "", "no cluster"},
		{"identitynamespace:shop-prod.svc.id.goog:https://container.googleapis.com/v1/projects/shop-prod/locations/l1/clusters/../x", "", "issuer"},
		{"identitynamespace:shop-prod.svc.id.goog:https://container.googleapis.com/v1/projects/shop-prod/locations/l1/clusters/c/", "", "issuer"},
		{"identitynamespace:shop-prod:https://container.googleapis.com/v1/projects/shop-prod/locations/l1/clusters/c", "", "identity namespace"},
		{"identitynamespace:shop-prod.svc.id.goog:https://container.googleapis.com/v1/projects/shop-prod/locations/l1/clusters/c", "s3nsapis.fr", "googleapis.com"},
		{"identitynamespace:shop-prod.svc.id.goog:https://gkehub.googleapis.com/projects/p1/locations/us/memberships/m", "", "global"},
		{"principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/ci-pool/subject/x", "", "scheme"},
		{strings.Repeat("a", 2000), "", "bytes long"},
	}
	for _, tt := range tests {
		p, err := ParseWorkloadProvider(tt.in, tt.universe)
		if err == nil {
			t.Errorf("ParseWorkloadProvider(%q, %q) = %+v, want an error about %s", tt.in, tt.universe, p, tt.part)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tt.part) || !strings.Contains(msg, "the form is projects/PROJECT_NUMBER/") {
			t.Errorf("ParseWorkloadProvider(%q, %q) error = %q, want it to name %q and show the form", tt.in, tt.universe, msg, tt.part)
		}
	}
}
