package app

import (
	"bytes"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/kubelet"
)

const testProvider = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"

// kubelet-credential-provider-config: the flags over the settings; the
// per-pod entry carries what the plugin needs in env; --rbac names the
// same audience; a 1.33 kubelet gets no cacheType.
func TestKubeletConfigPerPod(t *testing.T) {
	const aud = "https://iam.googleapis.com/" + testProvider
	tests := []struct {
		name     string
		settings string
		o        KubeletConfigOptions
		want     []string
		not      []string
	}{
		{"flag", "", KubeletConfigOptions{Provider: testProvider},
			[]string{`serviceAccountTokenAudience: "` + aud + `"`, "cacheType: ServiceAccount", "requireServiceAccount: false",
				`- "iam.gke.io/enable-wi-image-pull"`, "name: DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER\n        value: \"//iam.googleapis.com/" + testProvider + `"`,
				"name: DOCKER_CREDENTIAL_GCR_KUBELET_IDENTITY\n        value: \"annotated\""},
			[]string{"OIDC_AUDIENCE", "s3nsregistry"}},
		{"setting", `{"workload_identity_provider":"` + testProvider + `","kubelet_identity":"pod"}`, KubeletConfigOptions{},
			[]string{"requireServiceAccount: true", `value: "pod"`}, []string{"enable-wi-image-pull"}},
		{"flag over setting", `{"kubelet_identity":"pod"}`, KubeletConfigOptions{Provider: testProvider, Identity: "annotated"},
			[]string{`value: "annotated"`}, nil},
		{"node", "", KubeletConfigOptions{Provider: testProvider, Identity: "node"}, []string{"matchImages"}, []string{"tokenAttributes", "env:"}},
		{"no provider", "", KubeletConfigOptions{}, []string{"matchImages"}, []string{"tokenAttributes", "env:"}},
		{"custom audience", "", KubeletConfigOptions{Provider: testProvider, Audience: "my-cluster"},
			[]string{`serviceAccountTokenAudience: "my-cluster"`, "name: DOCKER_CREDENTIAL_GCR_OIDC_AUDIENCE\n        value: \"my-cluster\""}, nil},
		{"s3ns", "", KubeletConfigOptions{Provider: "//iam.s3nsapis.fr/" + testProvider, Name: "docker-credential-gcr-s3ns"},
			[]string{`serviceAccountTokenAudience: "https://iam.s3nsapis.fr/` + testProvider + `"`, `value: "//iam.s3nsapis.fr/` + testProvider + `"`,
				`- name: "docker-credential-gcr-s3ns"`, `- "*-docker.s3nsregistry.fr"`}, []string{"pkg.dev", "gcr.io"}},
		{"1.33", "", KubeletConfigOptions{Provider: testProvider, KubeletVersion: "v1.33.4"},
			[]string{"KubeletServiceAccountTokenForCredentialProviders=true", "requireServiceAccount: false"}, []string{"cacheType:"}},
		{"1.35", "", KubeletConfigOptions{Provider: testProvider, KubeletVersion: "1.35"}, []string{"cacheType: ServiceAccount"}, nil},
		{"rbac", "", KubeletConfigOptions{Provider: testProvider, RBAC: true},
			[]string{"kind: ClusterRole\n", "kind: ClusterRoleBinding", `resources: ["` + aud + `"]`, `name: "docker-credential-gcr:123456789012:kubernetes:prod"`},
			[]string{"CredentialProviderConfig"}},
		{"rbac, custom audience", "", KubeletConfigOptions{Provider: testProvider, RBAC: true, Audience: "my-cluster"}, []string{`resources: ["my-cluster"]`}, nil},
		{"rbac, service accounts", "", KubeletConfigOptions{Provider: testProvider, RBAC: true, ServiceAccounts: "shop/frontend,shop/worker"},
			[]string{"kind: Role\n", "kind: RoleBinding", `namespace: "shop"`, `resourceNames: ["frontend", "worker"]`, `resources: ["` + aud + `"]`},
			[]string{"ClusterRole\n", "ClusterRoleBinding\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, tt.settings)
			tt.o.Output, tt.o.CacheDuration = kubelet.OutputYAML, kubelet.DefaultCacheDuration
			var out bytes.Buffer
			if err := w.app(&bytes.Buffer{}).KubeletConfig(&out, tt.o); err != nil {
				t.Fatalf("KubeletConfig(%+v) error = %v", tt.o, err)
			}
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("KubeletConfig(%+v) lacks %q:\n%s", tt.o, want, out.String())
				}
			}
			for _, not := range tt.not {
				if strings.Contains(out.String(), not) {
					t.Errorf("KubeletConfig(%+v) has %q:\n%s", tt.o, not, out.String())
				}
			}
		})
	}
}

func TestKubeletConfigErrors(t *testing.T) {
	tests := []struct {
		o    KubeletConfigOptions
		want string
	}{
		{KubeletConfigOptions{Provider: "projects/my-project/locations/global/workloadIdentityPools/kubernetes/providers/prod"}, "--workload-identity-provider: "},
		{KubeletConfigOptions{Identity: "pod"}, "needs a workload identity provider"},
		{KubeletConfigOptions{Provider: testProvider, Identity: "gsa"}, "not node, annotated or pod"},
		{KubeletConfigOptions{RBAC: true}, "--rbac needs per-pod identity"},
		{KubeletConfigOptions{Provider: testProvider, ServiceAccounts: "shop/frontend"}, "give it with --rbac"},
		{KubeletConfigOptions{Provider: testProvider, RBAC: true, ServiceAccounts: "frontend"}, "--service-accounts: \"frontend\" is not NAMESPACE/NAME"},
		{KubeletConfigOptions{Provider: testProvider, KubeletVersion: "1.32"}, "KEP-4412 starts in 1.33"},
		{KubeletConfigOptions{Provider: testProvider, KubeletVersion: "latest"}, "is not 1.MINOR"},
		{KubeletConfigOptions{Provider: testProvider, Audience: "a b"}, "without spaces"},
		{KubeletConfigOptions{Name: "bin/gcr"}, "provider name"},
		{KubeletConfigOptions{Provider: testProvider, Audience: strings.Repeat("a", 300)}, "at most 256"},
	}
	for _, tt := range tests {
		w := newWorld(t, "")
		tt.o.Output = kubelet.OutputYAML
		var out bytes.Buffer
		err := w.app(&bytes.Buffer{}).KubeletConfig(&out, tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) || out.Len() != 0 {
			t.Errorf("KubeletConfig(%+v) = %q, %v, want nothing and an error with %q", tt.o, out.String(), err, tt.want)
		}
	}
}
