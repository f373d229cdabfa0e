package kubelet

import (
	"reflect"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// TestNewPodConfig: the per-pod entry's policy lives with the kubelet
// plugin (not in the wiring): flags over settings, node identity is no pod
// entry, the default audience and the env that carries the settings, the
// kubelet version rules; and the audiences a pod's token may carry.
func TestNewPodConfig(t *testing.T) {
	const prov = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"
	aud := "https://iam.googleapis.com/" + prov
	c, p, err := NewPodConfig(&settings.Settings{KubeletIdentity: "pod"}, PodOptions{Provider: prov})
	if err != nil || c.Identity != IdentityPod || c.Audience != aud || p.ResourceName() != prov || c.KubeletMinor != 0 {
		t.Fatalf("NewPodConfig(flag provider, setting pod) = %+v, %v, %v", c, p, err)
	}
	wantEnv := []EnvVar{{settings.EnvProvider, "//iam.googleapis.com/" + prov}, {settings.EnvKubeletIdentity, "pod"}}
	if !reflect.DeepEqual(c.Env, wantEnv) {
		t.Errorf("env = %v, want %v", c.Env, wantEnv)
	}
	if c, _, err := NewPodConfig(&settings.Settings{WorkloadIdentityProvider: prov}, PodOptions{Audience: "my-cluster", KubeletVersion: "v1.33.2"}); err != nil ||
		c.Identity != IdentityAnnotated || c.Audience != "my-cluster" || c.KubeletMinor != 33 || c.Env[len(c.Env)-1] != (EnvVar{settings.EnvOIDCAudience, "my-cluster"}) {
		t.Errorf("NewPodConfig(setting provider, custom audience, 1.33) = %+v, %v", c, err)
	}
	if c, _, err := NewPodConfig(&settings.Settings{}, PodOptions{Provider: prov, Identity: "node"}); c != nil || err != nil {
		t.Errorf("NewPodConfig(node) = %+v, %v; want no pod entry", c, err)
	}
	for _, bad := range []PodOptions{
		{Provider: "my-project"}, {Provider: prov, KubeletVersion: "1.32"}, {Provider: prov, Audience: "a b"},
		{Provider: prov, Audience: strings.Repeat("a", 257)}, {Provider: prov, Identity: "everyone"},
	} {
		if c, _, err := NewPodConfig(&settings.Settings{}, bad); err == nil {
			t.Errorf("NewPodConfig(%+v) = %+v, want an error", bad, c)
		}
	}

	pp, _ := token.ParseWorkloadProvider(prov, "")
	ns, _ := token.ParseWorkloadProvider("identitynamespace:my-project.svc.id.goog:https://container.googleapis.com/v1/projects/my-project/locations/us-east1/clusters/c1", "")
	for _, tt := range []struct {
		p      token.WorkloadProvider
		custom string
		want   []string
	}{
		{pp, "", []string{aud, "//iam.googleapis.com/" + prov}},
		{pp, "my-cluster", []string{"my-cluster"}},
		{ns, "", []string{"my-project.svc.id.goog"}},
	} {
		if got := Audiences(tt.p, tt.custom); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Audiences(%s, %q) = %q, want %q", tt.p, tt.custom, got, tt.want)
		}
	}
}
