package kubelet

import (
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
)

// TestExplain: what doctor says of the plugin's identity mode: the mode,
// the provider (the registry's own, when config gave it one) and its
// universe, the audience of a pod's token and the annotations a pod's
// service account must carry; an identity the plugin would refuse, or a
// registry of another universe than the provider's, is an error; nothing
// is said when neither setting is set.
func TestExplain(t *testing.T) {
	const prov = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"
	const euProv = "projects/210987654321/locations/global/workloadIdentityPools/eu-pool/providers/eu-prov"
	const eu = "europe-west1-docker.pkg.dev"
	withProvider := func(identity string) *settings.Settings {
		return &settings.Settings{WorkloadIdentityProvider: prov, KubeletIdentity: identity, RegistryOverrides: map[string]*settings.Override{eu: {WorkloadIdentityProvider: euProv}}}
	}
	for _, tt := range []struct {
		name           string
		s              *settings.Settings
		host, universe string
		mode, pods     []string // substrings
		err            string
	}{
		{name: "nothing set", s: &settings.Settings{}},
		{name: "node", s: &settings.Settings{KubeletIdentity: "node"},
			mode: []string{"node"}, pods: []string{"every pod pulls as the node"}},
		{name: "annotated by default", s: withProvider(""),
			mode: []string{"annotated", "provider //iam.googleapis.com/" + prov, "universe googleapis.com", `audience "https://iam.googleapis.com/` + prov + `"`},
			pods: []string{AnnotationServiceAccount + ": GSA", AnnotationEnableImagePull + `: "true"`, "every other pod pulls as the node"}},
		{name: "pod", s: withProvider("pod"), host: "gcr.io", universe: "googleapis.com",
			mode: []string{"pod", "provider //iam.googleapis.com/" + prov},
			pods: []string{"never as the node", AnnotationServiceAccount}},
		{name: "the registry's own provider", s: withProvider("pod"), host: eu, universe: "googleapis.com",
			mode: []string{"provider //iam.googleapis.com/" + euProv, `audience "https://iam.googleapis.com/` + prov + `"`}},
		{name: "custom audience", s: &settings.Settings{WorkloadIdentityProvider: prov, OIDCAudience: "my-aud"},
			mode: []string{`audience "my-aud"`}},
		{name: "other universe", s: withProvider("pod"), host: "u-france-east1-docker.s3nsregistry.fr", universe: "s3nsapis.fr",
			err: "universe googleapis.com and the registry in s3nsapis.fr"},
		{name: "pod without provider", s: &settings.Settings{KubeletIdentity: "pod"}, err: "needs a workload identity provider"},
		{name: "unknown identity", s: &settings.Settings{KubeletIdentity: "nodes"}, err: `"nodes" is not node, annotated or pod`},
	} {
		mode, pods, err := Explain(tt.s, tt.host, tt.universe)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: Explain() = %v, want an error containing %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: Explain() = %v", tt.name, err)
			continue
		}
		if tt.mode == nil && (mode != "" || pods != "") {
			t.Errorf("%s: Explain() = %q, %q; want nothing", tt.name, mode, pods)
		}
		for _, w := range tt.mode {
			if !strings.Contains(mode, w) {
				t.Errorf("%s: Explain() mode = %q, want %q in it", tt.name, mode, w)
			}
		}
		for _, w := range tt.pods {
			if !strings.Contains(pods, w) {
				t.Errorf("%s: Explain() pods = %q, want %q in it", tt.name, pods, w)
			}
		}
	}
}
