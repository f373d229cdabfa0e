package cmd_test

import (
	"strings"
	"testing"
)

// TestDoctorKubeletIdentity: with a workload identity provider or
// kubelet_identity set, doctor (in general and for a host) says in two
// lines which identity the kubelet plugin pulls as, with which provider and
// universe, and what a pod's service account must carry; an identity the
// plugin would refuse, or a registry of another universe than the
// provider's, is a problem. Without either setting it says nothing of the
// plugin.
func TestDoctorKubeletIdentity(t *testing.T) {
	const prov = "projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod"
	e := newEnv(t)
	out, _, _ := e.run("", "doctor")
	if strings.Contains(out, "kubelet") {
		t.Errorf("doctor without kubelet settings = %q, want no kubelet line", out)
	}

	e.Vars["DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER"] = prov
	for _, args := range [][]string{{"doctor"}, {"doctor", "us-docker.pkg.dev"}} {
		out, _, _ := e.run("", args...)
		for _, want := range []string{
			"kubelet plugin:   annotated, provider //iam.googleapis.com/" + prov + " (universe googleapis.com)",
			"  pods:           ",
			"iam.gke.io/gcp-service-account: GSA",
			`iam.gke.io/enable-wi-image-pull: "true"`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v = %q, want %q", args, out, want)
			}
		}
		e.Secrets.Check(t, "doctor", out)
	}

	e.Vars["DOCKER_CREDENTIAL_GCR_KUBELET_IDENTITY"] = "pod"
	out, _, err := e.run("", "doctor", "u-france-east1-docker.s3nsregistry.fr")
	if !strings.Contains(out, "kubelet plugin:   pod,") || err == nil || !strings.Contains(err.Error(), "provider is in universe googleapis.com and the registry in s3nsapis.fr") {
		t.Errorf("doctor of an S3NS host with a googleapis.com provider = %q, %v; want the pod mode and a problem naming the universes", out, err)
	}

	delete(e.Vars, "DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER")
	out, _, err = e.run("", "doctor")
	if !strings.Contains(out, "kubelet plugin:   refused") || err == nil || !strings.Contains(err.Error(), "needs a workload identity provider") {
		t.Errorf("doctor with kubelet_identity=pod and no provider = %q, %v; want the plugin's refusal as a problem", out, err)
	}
}
