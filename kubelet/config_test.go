package kubelet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	kubeletconfigv1 "k8s.io/kubelet/config/v1"
	"sigs.k8s.io/yaml"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// kubeletValidateTokenAttributes applies the kubelet's rules for a
// provider's tokenAttributes, as validateCredentialProviderConfig in
// kubernetes/kubernetes pkg/credentialprovider/plugin/config.go states
// them (with the KubeletServiceAccountTokenForCredentialProviders gate on):
// an audience; requireServiceAccount set; the provider's apiVersion
// credentialprovider.kubelet.k8s.io/v1; required annotation keys only with
// requireServiceAccount true; every key a qualified name (checked in lower
// case, as ObjectMeta's annotation keys are) and unique in its list; no key
// both required and optional; cacheType set, ServiceAccount or Token (the
// 1.34+ rule). That package is not importable (k8s.io/kubernetes), so the
// rules are ported; TestKubeletValidationPort holds the port to the
// kubelet's own test cases.
func kubeletValidateTokenAttributes(p kubeletconfigv1.CredentialProvider) []string {
	t := p.TokenAttributes
	if t == nil {
		return nil
	}
	var errs []string
	if t.ServiceAccountTokenAudience == "" {
		errs = append(errs, "serviceAccountTokenAudience: Required value")
	}
	if t.RequireServiceAccount == nil {
		errs = append(errs, "requireServiceAccount: Required value")
	}
	if p.APIVersion != "credentialprovider.kubelet.k8s.io/v1" {
		errs = append(errs, "tokenAttributes is only supported for credentialprovider.kubelet.k8s.io/v1 API version")
	}
	if t.RequireServiceAccount != nil && !*t.RequireServiceAccount && len(t.RequiredServiceAccountAnnotationKeys) > 0 {
		errs = append(errs, "requireServiceAccount cannot be false when requiredServiceAccountAnnotationKeys is set")
	}
	keys := func(field string, ks []string) {
		seen := map[string]bool{}
		for _, k := range ks {
			for _, msg := range validation.IsQualifiedName(strings.ToLower(k)) {
				errs = append(errs, fmt.Sprintf("%s: Invalid value: %q: %s", field, k, msg))
			}
			if seen[k] {
				errs = append(errs, fmt.Sprintf("%s: Duplicate value: %q", field, k))
			}
			seen[k] = true
		}
	}
	keys("requiredServiceAccountAnnotationKeys", t.RequiredServiceAccountAnnotationKeys)
	keys("optionalServiceAccountAnnotationKeys", t.OptionalServiceAccountAnnotationKeys)
	for _, k := range t.RequiredServiceAccountAnnotationKeys {
		if slices.Contains(t.OptionalServiceAccountAnnotationKeys, k) {
			errs = append(errs, "annotation keys cannot be both required and optional")
			break
		}
	}
	switch t.CacheType {
	case "":
		errs = append(errs, "cacheType is required to be set when tokenAttributes is specified")
	case kubeletconfigv1.ServiceAccountServiceAccountTokenCacheType, kubeletconfigv1.TokenServiceAccountTokenCacheType:
	default:
		errs = append(errs, fmt.Sprintf("cacheType: Unsupported value: %q", t.CacheType))
	}
	return errs
}

// The port against the tokenAttributes cases of the kubelet's own
// Test_validateCredentialProviderConfig (pkg/credentialprovider/plugin/
// config_test.go): each case's attributes and whether the kubelet refuses
// them, with the words of its error.
func TestKubeletValidationPort(t *testing.T) {
	yes, no := true, false
	valid := func(mod func(*kubeletconfigv1.ServiceAccountTokenAttributes)) kubeletconfigv1.CredentialProvider {
		a := &kubeletconfigv1.ServiceAccountTokenAttributes{ServiceAccountTokenAudience: "audience", RequireServiceAccount: &yes, CacheType: kubeletconfigv1.TokenServiceAccountTokenCacheType}
		if mod != nil {
			mod(a)
		}
		return kubeletconfigv1.CredentialProvider{Name: "foobar", MatchImages: []string{"foobar.registry.io"}, APIVersion: "credentialprovider.kubelet.k8s.io/v1",
			DefaultCacheDuration: &metav1.Duration{Duration: time.Minute}, TokenAttributes: a}
	}
	tests := []struct {
		name string
		p    kubeletconfigv1.CredentialProvider
		want string // "" = valid
	}{
		{"valid", valid(nil), ""},
		{"valid, ServiceAccount cache", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) { a.CacheType = "ServiceAccount" }), ""},
		{"valid, keys", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.RequiredServiceAccountAnnotationKeys = []string{"prefix.io/annotation-1"}
			a.OptionalServiceAccountAnnotationKeys = []string{"prefix.io/annotation-2"}
		}), ""},
		{"empty audience", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) { a.ServiceAccountTokenAudience = "" }), "serviceAccountTokenAudience: Required value"},
		{"no requireServiceAccount", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) { a.RequireServiceAccount = nil }), "requireServiceAccount: Required value"},
		{"required key not qualified", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.RequiredServiceAccountAnnotationKeys = []string{"cantendwithadash-", "now-with-dashes/simple"}
		}), `requiredServiceAccountAnnotationKeys: Invalid value: "cantendwithadash-": name part must consist of alphanumeric characters`},
		{"optional key not qualified", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.OptionalServiceAccountAnnotationKeys = []string{"cantendwithadash-", "now-with-dashes/simple"}
		}), `optionalServiceAccountAnnotationKeys: Invalid value: "cantendwithadash-"`},
		{"duplicate required keys", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.RequiredServiceAccountAnnotationKeys = []string{"now-with-dashes/simple", "now-with-dashes/simple"}
		}), `requiredServiceAccountAnnotationKeys: Duplicate value: "now-with-dashes/simple"`},
		{"duplicate optional keys", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.OptionalServiceAccountAnnotationKeys = []string{"now-with-dashes/simple", "now-with-dashes/simple"}
		}), `optionalServiceAccountAnnotationKeys: Duplicate value: "now-with-dashes/simple"`},
		{"both required and optional", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.RequiredServiceAccountAnnotationKeys = []string{"now-with-dashes/simple"}
			a.OptionalServiceAccountAnnotationKeys = []string{"now-with-dashes/simple"}
		}), "annotation keys cannot be both required and optional"},
		{"required keys without a service account", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) {
			a.RequireServiceAccount = &no
			a.RequiredServiceAccountAnnotationKeys = []string{"now-with-dashes/simple"}
		}), "requireServiceAccount cannot be false when requiredServiceAccountAnnotationKeys is set"},
		{"no cacheType", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) { a.CacheType = "" }), "cacheType is required to be set when tokenAttributes is specified"},
		{"bad cacheType", valid(func(a *kubeletconfigv1.ServiceAccountTokenAttributes) { a.CacheType = "Pod" }), `cacheType: Unsupported value: "Pod"`},
	}
	apiV1beta1 := valid(nil)
	apiV1beta1.APIVersion = "credentialprovider.kubelet.k8s.io/v1beta1"
	tests = append(tests, struct {
		name string
		p    kubeletconfigv1.CredentialProvider
		want string
	}{"tokenAttributes on v1beta1", apiV1beta1, "tokenAttributes is only supported for credentialprovider.kubelet.k8s.io/v1 API version"})
	for _, tt := range tests {
		errs := kubeletValidateTokenAttributes(tt.p)
		switch {
		case tt.want == "" && len(errs) > 0:
			t.Errorf("%s: kubeletValidateTokenAttributes = %q, want valid (the kubelet's case)", tt.name, errs)
		case tt.want != "" && !slices.ContainsFunc(errs, func(e string) bool { return strings.Contains(e, tt.want) }):
			t.Errorf("%s: kubeletValidateTokenAttributes = %q, want %q (the kubelet's case)", tt.name, errs, tt.want)
		}
	}
}

// podConfig is a per-pod config as the app builds it.
func podConfig(id Identity, minor int) Config {
	return Config{
		Name: "docker-credential-gcr", MatchImages: MatchImages(nil), CacheDuration: DefaultCacheDuration,
		Pod: &PodConfig{Identity: id, Audience: testAudience, KubeletMinor: minor, Env: []EnvVar{
			{"DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER", "//iam.googleapis.com/" + testProvider},
			{"DOCKER_CREDENTIAL_GCR_KUBELET_IDENTITY", string(id)},
		}},
	}
}

// The printed per-pod config decodes strictly with the real 1.35 types and
// passes the kubelet's tokenAttributes rules.
func TestKubeletPodConfig(t *testing.T) {
	codecs := kubeletCodecs(t)
	for _, id := range []Identity{IdentityAnnotated, IdentityPod} {
		for _, format := range []string{OutputYAML, OutputJSON} {
			c := podConfig(id, 0)
			out, err := c.Format(format)
			if err != nil {
				t.Fatal(err)
			}
			obj, _, err := codecs.UniversalDeserializer().Decode([]byte(out), nil, nil)
			if err != nil {
				t.Fatalf("%s %s: the kubelet's strict decoder refuses the config: %v\n%s", id, format, err, out)
			}
			p := obj.(*kubeletconfigv1.CredentialProviderConfig).Providers[0]
			if errs := kubeletValidateTokenAttributes(p); len(errs) > 0 {
				t.Errorf("%s %s: the kubelet would refuse tokenAttributes: %q\n%s", id, format, errs, out)
			}
			a := p.TokenAttributes
			wantKeys := []string{AnnotationServiceAccount, AnnotationEnableImagePull}
			if id == IdentityPod {
				wantKeys = wantKeys[:1]
			}
			if a == nil || a.ServiceAccountTokenAudience != testAudience || a.CacheType != kubeletconfigv1.ServiceAccountServiceAccountTokenCacheType ||
				a.RequireServiceAccount == nil || *a.RequireServiceAccount != (id == IdentityPod) ||
				!reflect.DeepEqual(a.OptionalServiceAccountAnnotationKeys, wantKeys) || len(a.RequiredServiceAccountAnnotationKeys) != 0 {
				t.Errorf("%s %s: tokenAttributes = %+v, want audience %s, ServiceAccount, requireServiceAccount %v, optional %q", id, format, a, testAudience, id == IdentityPod, wantKeys)
			}
			env := map[string]string{}
			for _, e := range p.Env {
				env[e.Name] = e.Value
			}
			if env["DOCKER_CREDENTIAL_GCR_KUBELET_IDENTITY"] != string(id) || env["DOCKER_CREDENTIAL_GCR_WORKLOAD_IDENTITY_PROVIDER"] != "//iam.googleapis.com/"+testProvider {
				t.Errorf("%s %s: env = %v, want the provider and the identity", id, format, p.Env)
			}
			if p.Name != "docker-credential-gcr" || !reflect.DeepEqual(p.Args, []string{PluginCommand}) || len(p.MatchImages) == 0 {
				t.Errorf("%s %s: provider = %+v", id, format, p)
			}
		}
	}
	if _, err := (Config{Name: "x", Pod: &PodConfig{Identity: IdentityPod}}).Format(OutputYAML); err == nil {
		t.Errorf("Format() without an audience succeeded, want an error")
	}
}

// serviceAccountTokenAttributes133 is ServiceAccountTokenAttributes of
// k8s.io/kubelet v0.33.0 config/v1/types.go, field for field: no cacheType.
type serviceAccountTokenAttributes133 struct {
	ServiceAccountTokenAudience          string   `json:"serviceAccountTokenAudience"`
	RequireServiceAccount                *bool    `json:"requireServiceAccount"`
	RequiredServiceAccountAnnotationKeys []string `json:"requiredServiceAccountAnnotationKeys,omitempty"`
	OptionalServiceAccountAnnotationKeys []string `json:"optionalServiceAccountAnnotationKeys,omitempty"`
}

// A 1.33 kubelet decodes its config strictly and has no cacheType: the
// config printed for it has none, and decodes strictly into 1.33's
// attributes; the default config has cacheType, which 1.33 would refuse.
func TestKubeletPodConfig133(t *testing.T) {
	decode133 := func(out string) error {
		j, err := yaml.YAMLToJSON([]byte(out))
		if err != nil {
			return err
		}
		var v struct {
			Providers []struct {
				TokenAttributes json.RawMessage `json:"tokenAttributes"`
			} `json:"providers"`
		}
		if err := json.Unmarshal(j, &v); err != nil || len(v.Providers) != 1 {
			return fmt.Errorf("not one provider: %v", err)
		}
		dec := json.NewDecoder(bytes.NewReader(v.Providers[0].TokenAttributes))
		dec.DisallowUnknownFields()
		var a serviceAccountTokenAttributes133
		if err := dec.Decode(&a); err != nil {
			return err
		}
		if a.ServiceAccountTokenAudience != testAudience || a.RequireServiceAccount == nil {
			return fmt.Errorf("attributes %+v", a)
		}
		return nil
	}
	for _, format := range []string{OutputYAML, OutputJSON} {
		c := podConfig(IdentityAnnotated, MinKubeletMinor)
		out, err := c.Format(format)
		if err != nil {
			t.Fatal(err)
		}
		if err := decode133(out); err != nil {
			t.Errorf("%s config for 1.33: a 1.33 kubelet would refuse it: %v\n%s", format, err, out)
		}
		if strings.Contains(out, "cacheType:") || strings.Contains(out, `"cacheType"`) {
			t.Errorf("%s config for 1.33 names cacheType:\n%s", format, out)
		}
		if format == OutputYAML && !strings.Contains(out, "KubeletServiceAccountTokenForCredentialProviders=true") {
			t.Errorf("YAML config for 1.33 does not say to enable the feature gate:\n%s", out)
		}
		def, _ := podConfig(IdentityAnnotated, 0).Format(format)
		if err := decode133(def); err == nil || !strings.Contains(err.Error(), "cacheType") {
			t.Errorf("%s default config decoded as 1.33 = %v, want the unknown field cacheType refused", format, err)
		}
	}
}

func TestParseKubeletVersion(t *testing.T) {
	for in, want := range map[string]int{"1.33": 33, "v1.34.2": 34, "v1.33.5-gke.1200": 33, " 1.35.0 ": 35, "1.32": 32} {
		if got, err := ParseKubeletVersion(in); got != want || err != nil {
			t.Errorf("ParseKubeletVersion(%q) = %d, %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "2.0", "1", "1.x", "33", "v1.", "latest"} {
		if _, err := ParseKubeletVersion(in); err == nil {
			t.Errorf("ParseKubeletVersion(%q) succeeded, want an error", in)
		}
	}
}

// The RBAC grants exactly the config's audience to the nodes, under a
// valid name per provider.
func TestKubeletRBAC(t *testing.T) {
	p, err := token.ParseWorkloadProvider(testProvider, "")
	if err != nil {
		t.Fatal(err)
	}
	s3ns, _ := token.ParseWorkloadProvider("//iam.s3nsapis.fr/"+testProvider, "")
	gke, _ := token.ParseWorkloadProvider("identitynamespace:my-project.svc.id.goog:https://container.googleapis.com/v1/projects/my-project/locations/europe-west1/clusters/prod", "")
	names := map[string]bool{}
	for _, wp := range []token.WorkloadProvider{p, s3ns, gke} {
		n := RBACName(wp)
		for _, msg := range path.IsValidPathSegmentName(n) {
			t.Errorf("RBACName(%s) = %q: %s", wp, n, msg)
		}
		if names[n] {
			t.Errorf("RBACName(%s) = %q, the name of another provider", wp, n)
		}
		names[n] = true
	}
	r := RBAC{Name: RBACName(p), Audience: testAudience}
	for _, format := range []string{OutputYAML, OutputJSON} {
		out, err := r.Format(format)
		if err != nil {
			t.Fatal(err)
		}
		objs := decodeRBAC(t, format, out)
		if len(objs) != 2 || objs[0].Kind != "ClusterRole" || objs[1].Kind != "ClusterRoleBinding" {
			t.Fatalf("%s RBAC = %+v, want a ClusterRole and a ClusterRoleBinding", format, objs)
		}
		role, binding := objs[0], objs[1]
		if role.APIVersion != "rbac.authorization.k8s.io/v1" || role.Metadata.Name != r.Name || len(role.Rules) != 1 ||
			!reflect.DeepEqual(role.Rules[0].Resources, []string{testAudience}) || !reflect.DeepEqual(role.Rules[0].Verbs, []string{"request-serviceaccounts-token-audience"}) ||
			!reflect.DeepEqual(role.Rules[0].APIGroups, []string{""}) || role.Rules[0].ResourceNames != nil {
			t.Errorf("%s ClusterRole = %+v, want resource %s exactly, verb request-serviceaccounts-token-audience, core group, every service account", format, role, testAudience)
		}
		if binding.RoleRef.Kind != "ClusterRole" || binding.RoleRef.Name != r.Name || len(binding.Subjects) != 1 ||
			binding.Subjects[0].Kind != "Group" || binding.Subjects[0].Name != "system:nodes" {
			t.Errorf("%s ClusterRoleBinding = %+v, want the role bound to group system:nodes", format, binding)
		}
	}
}

// decodedRBAC mirrors, independently of rbac.go, the fields of rbac.authorization.k8s.io/v1's Role,
// ClusterRole, RoleBinding and ClusterRoleBinding that the printed RBAC
// may carry (k8s.io/api is not a dependency): decoded strictly, a field
// of another name or place fails.
type decodedRBAC struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace,omitempty"`
	} `json:"metadata"`
	Rules []struct {
		APIGroups     []string `json:"apiGroups"`
		Resources     []string `json:"resources"`
		ResourceNames []string `json:"resourceNames,omitempty"`
		Verbs         []string `json:"verbs"`
	} `json:"rules,omitempty"`
	RoleRef  decodedRef   `json:"roleRef"`
	Subjects []decodedRef `json:"subjects,omitempty"`
}

// decodedRef is a roleRef or a subject.
type decodedRef struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}

// decodeRBAC decodes RBAC.Format's output strictly: a YAML stream of
// objects, or a JSON v1 List of them.
func decodeRBAC(t *testing.T, format, out string) []decodedRBAC {
	t.Helper()
	var objs []decodedRBAC
	if format == OutputJSON {
		var list struct {
			APIVersion string        `json:"apiVersion"`
			Kind       string        `json:"kind"`
			Items      []decodedRBAC `json:"items"`
		}
		dec := json.NewDecoder(strings.NewReader(out))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&list); err != nil || list.APIVersion != "v1" || list.Kind != "List" {
			t.Fatalf("RBAC JSON = %v, %s %s, want a v1 List\n%s", err, list.APIVersion, list.Kind, out)
		}
		return list.Items
	}
	for doc := range strings.SplitSeq(out, "\n---\n") {
		var o decodedRBAC
		if err := yaml.UnmarshalStrict([]byte(doc), &o); err != nil {
			t.Fatalf("RBAC YAML document does not decode strictly: %v\n%s", err, doc)
		}
		objs = append(objs, o)
	}
	return objs
}

// TestKubeletRBACServiceAccounts: --service-accounts=NS/NAME,... narrows
// the grant to those service accounts. The API server authorizes a node's
// token request as verb request-serviceaccounts-token-audience on resource
// AUDIENCE named after the service account, in its namespace (NodeRestriction;
// kubernetes test/integration/auth/node_test.go), so resourceNames hold bare
// names and the namespace is the binding's: one Role and RoleBinding per
// namespace, sorted, names deduplicated, NS/* for every service account of
// a namespace; no cluster-wide object.
func TestKubeletRBACServiceAccounts(t *testing.T) {
	sas, err := ParseServiceAccounts(" shop/frontend, payments/*, shop/worker,shop/frontend,payments/api ")
	if err != nil {
		t.Fatal(err)
	}
	r := RBAC{Name: "docker-credential-gcr:123456789012:kubernetes:prod", Audience: testAudience, ServiceAccounts: sas}
	for _, format := range []string{OutputYAML, OutputJSON} {
		out, err := r.Format(format)
		if err != nil {
			t.Fatal(err)
		}
		objs := decodeRBAC(t, format, out)
		type grant struct {
			ns    string
			names []string
		}
		want := []grant{{"payments", nil}, {"shop", []string{"frontend", "worker"}}}
		if len(objs) != 2*len(want) {
			t.Fatalf("%s RBAC = %d objects, want a Role and a RoleBinding for each of %d namespaces:\n%s", format, len(objs), len(want), out)
		}
		for i, g := range want {
			role, binding := objs[2*i], objs[2*i+1]
			if role.Kind != "Role" || role.APIVersion != "rbac.authorization.k8s.io/v1" || role.Metadata.Name != r.Name || role.Metadata.Namespace != g.ns || len(role.Rules) != 1 ||
				!reflect.DeepEqual(role.Rules[0].Resources, []string{testAudience}) || !reflect.DeepEqual(role.Rules[0].Verbs, []string{RBACVerb}) ||
				!reflect.DeepEqual(role.Rules[0].APIGroups, []string{""}) || !reflect.DeepEqual(role.Rules[0].ResourceNames, g.names) {
				t.Errorf("%s object %d = %+v, want a Role in %s for %s with resourceNames %q", format, 2*i, role, g.ns, testAudience, g.names)
			}
			if binding.Kind != "RoleBinding" || binding.Metadata.Name != r.Name || binding.Metadata.Namespace != g.ns ||
				binding.RoleRef != (decodedRef{"rbac.authorization.k8s.io", "Role", r.Name}) ||
				len(binding.Subjects) != 1 || binding.Subjects[0].Kind != "Group" || binding.Subjects[0].Name != "system:nodes" {
				t.Errorf("%s object %d = %+v, want a RoleBinding in %s of the Role to group system:nodes", format, 2*i+1, binding, g.ns)
			}
			for _, n := range g.names {
				if errs := validation.IsDNS1123Subdomain(n); len(errs) > 0 {
					t.Errorf("resource name %q is no service account name: %v", n, errs)
				}
			}
		}
		if strings.Contains(out, "ClusterRole") {
			t.Errorf("%s RBAC narrowed to service accounts has a cluster-wide object:\n%s", format, out)
		}
	}
	for _, bad := range []string{"", "frontend", "shop/", "/frontend", "Shop/frontend", "shop/Frontend", "shop/a/b", "shop/a b", "shop/a,,shop/b", strings.Repeat("n", 64) + "/a", "shop/" + strings.Repeat("a", 254), "shop/*x"} {
		if _, err := ParseServiceAccounts(bad); err == nil {
			t.Errorf("ParseServiceAccounts(%q) = nil error, want one", bad)
		} else if !strings.Contains(err.Error(), "--service-accounts") {
			t.Errorf("ParseServiceAccounts(%q) = %v, want the flag named", bad, err)
		}
	}
}

// A per-pod entry matches only its universe's registries, so that two
// entries (googleapis.com, s3nsapis.fr) never both answer one image.
func TestMatchImagesIn(t *testing.T) {
	custom := map[string]string{"registry.example.com:5000": "googleapis.com", "reg.s3ns.example": "s3nsapis.fr", "us-docker.pkg.dev": "googleapis.com"}
	if got, want := MatchImagesIn(custom, "googleapis.com"), []string{"gcr.io", "*.gcr.io", "*-docker.pkg.dev", "docker.*.rep.pkg.dev", "registry.example.com:5000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MatchImagesIn(googleapis.com) = %q, want %q", got, want)
	}
	if got, want := MatchImagesIn(custom, "s3nsapis.fr"), []string{"*-docker.s3nsregistry.fr", "reg.s3ns.example"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MatchImagesIn(s3nsapis.fr) = %q, want %q", got, want)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a b"} {
		if ValidName(bad) == nil {
			t.Errorf("ValidName(%q) = nil, want an error", bad)
		}
	}
	if err := ValidName("docker-credential-gcr-s3ns"); err != nil {
		t.Errorf("ValidName(docker-credential-gcr-s3ns) = %v", err)
	}
}
