package kubelet

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// RBACVerb is the verb that lets a node request service-account tokens
// for an audience (ServiceAccountNodeAudienceRestriction, on by default
// from Kubernetes 1.33): the resource is the audience itself.
const RBACVerb = "request-serviceaccounts-token-audience"

// RBAC is what lets the nodes request pods' tokens for one audience: a
// ClusterRole and ClusterRoleBinding for every service account, or, with
// ServiceAccounts, a Role and RoleBinding in each of their namespaces.
type RBAC struct {
	Name     string // every object's name
	Audience string // the rules' resource, character for character
	// ServiceAccounts narrows the grant to these service accounts
	// (ParseServiceAccounts): names by namespace, nil for every service
	// account of a namespace. The API server authorizes a node's request
	// for a pod's token as the verb on resource Audience, named after the
	// pod's service account, in its namespace (the NodeRestriction
	// admission plugin): resourceNames hold bare names, and the namespace
	// is the binding's.
	ServiceAccounts map[string][]string
}

// RBACName names the objects of the provider's audience: one per provider,
// so that the RBAC of two (two universes) can coexist. A ClusterRole name
// is a path segment: ':' and '.' are allowed, '/' is not.
func RBACName(p token.WorkloadProvider) string {
	if p.IsIdentityNamespace() {
		return "docker-credential-gcr:" + p.IdentityNamespace
	}
	n := "docker-credential-gcr:" + p.ProjectNumber + ":" + p.Pool + ":" + p.Provider
	if p.Universe != token.DefaultUniverse {
		n += ":" + p.Universe
	}
	return n
}

// maxServiceAccountName bounds a service account's name (a DNS subdomain).
const maxServiceAccountName = 253

// ParseServiceAccounts reads --service-accounts: NAMESPACE/NAME entries,
// comma-separated, NAMESPACE/* for every service account of a namespace.
// The result is names by namespace, sorted and deduplicated; a namespace
// with * has none (every name).
func ParseServiceAccounts(v string) (map[string][]string, error) {
	out := map[string][]string{}
	all := map[string]bool{}
	for e := range strings.SplitSeq(v, ",") {
		e = strings.TrimSpace(e)
		ns, name, ok := strings.Cut(e, "/")
		switch {
		case e == "":
			return nil, fmt.Errorf("--service-accounts %q: an empty entry; give NAMESPACE/NAME,... (NAMESPACE/* for all of a namespace)", truncate(v, 64))
		case !ok || !isLabel(ns):
			return nil, fmt.Errorf("--service-accounts: %q is not NAMESPACE/NAME (a namespace is 1 to 63 lower-case letters, digits and hyphens)", truncate(e, 64))
		case name == "*":
			all[ns] = true
		case !isSubdomain(name):
			return nil, fmt.Errorf("--service-accounts: %q: %q is not a service account's name (lower-case DNS labels joined by dots, at most %d characters) nor *", truncate(e, 64), truncate(name, 64), maxServiceAccountName)
		default:
			out[ns] = append(out[ns], name)
		}
	}
	for ns := range all {
		out[ns] = nil
	}
	for ns, names := range out {
		slices.Sort(names)
		out[ns] = slices.Compact(names)
	}
	return out, nil
}

// isSubdomain reports a DNS subdomain in lower case: labels joined by
// dots, at most 253 characters.
func isSubdomain(s string) bool {
	if s == "" || len(s) > maxServiceAccountName {
		return false
	}
	for l := range strings.SplitSeq(s, ".") {
		if !isLabel(l) {
			return false
		}
	}
	return true
}

// rbacObject is one RBAC object as printed: the fields of
// rbac.authorization.k8s.io/v1's roles and bindings that it uses.
type rbacObject struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   rbacMeta   `json:"metadata"`
	Rules      []rbacRule `json:"rules,omitempty"`
	RoleRef    *rbacRef   `json:"roleRef,omitempty"`
	Subjects   []rbacRef  `json:"subjects,omitempty"`
}

type rbacMeta struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

type rbacRule struct {
	APIGroups     []string `json:"apiGroups"`
	Resources     []string `json:"resources"`
	ResourceNames []string `json:"resourceNames,omitempty"`
	Verbs         []string `json:"verbs"`
}

type rbacRef struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}

const (
	rbacGroup = "rbac.authorization.k8s.io"
	rbacV1    = rbacGroup + "/v1"
)

// objects are r's objects in order: a role, then its binding, per
// namespace (sorted), or once cluster-wide.
func (r RBAC) objects() []rbacObject {
	pair := func(role, binding, ns string, names []string) []rbacObject {
		m := rbacMeta{Name: r.Name, Namespace: ns}
		return []rbacObject{
			{APIVersion: rbacV1, Kind: role, Metadata: m, Rules: []rbacRule{{APIGroups: []string{""}, Resources: []string{r.Audience}, ResourceNames: names, Verbs: []string{RBACVerb}}}},
			{APIVersion: rbacV1, Kind: binding, Metadata: m, RoleRef: &rbacRef{APIGroup: rbacGroup, Kind: role, Name: r.Name},
				Subjects: []rbacRef{{APIGroup: rbacGroup, Kind: "Group", Name: "system:nodes"}}},
		}
	}
	if len(r.ServiceAccounts) == 0 {
		return pair("ClusterRole", "ClusterRoleBinding", "", nil)
	}
	var out []rbacObject
	for _, ns := range slices.Sorted(maps.Keys(r.ServiceAccounts)) {
		out = append(out, pair("Role", "RoleBinding", ns, r.ServiceAccounts[ns])...)
	}
	return out
}

// Format renders the objects as a YAML stream or a JSON v1 List, for
// `kubectl apply -f -`.
func (r RBAC) Format(format string) (string, error) {
	if r.Audience == "" || r.Name == "" {
		return "", fmt.Errorf("RBAC needs a name and an audience")
	}
	objs := r.objects()
	switch format {
	case OutputYAML, "":
		var b strings.Builder
		if len(r.ServiceAccounts) == 0 {
			b.WriteString("# Lets the kubelets request pods' service-account tokens for the audience\n")
			b.WriteString("# of the credential provider (ServiceAccountNodeAudienceRestriction).\n")
		} else {
			b.WriteString("# Lets the kubelets request, for the audience of the credential provider\n")
			b.WriteString("# (ServiceAccountNodeAudienceRestriction), the tokens of these service\n")
			b.WriteString("# accounts only. The kubelet cannot request any other pod's token, and then\n")
			b.WriteString("# does not run the plugin for it: that pod pulls without credentials.\n")
			fmt.Fprintf(&b, "# Delete the cluster-wide grant if it was applied:\n#   kubectl delete clusterrolebinding,clusterrole %s\n", r.Name)
		}
		for i, o := range objs {
			if i > 0 {
				b.WriteString("---\n")
			}
			fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", o.APIVersion, o.Kind, yamlString(o.Metadata.Name))
			if o.Metadata.Namespace != "" {
				fmt.Fprintf(&b, "  namespace: %s\n", yamlString(o.Metadata.Namespace))
			}
			for _, rule := range o.Rules {
				fmt.Fprintf(&b, "rules:\n  - apiGroups: [\"\"]\n    resources: [%s]\n", yamlString(r.Audience))
				if rule.ResourceNames != nil {
					fmt.Fprintf(&b, "    resourceNames: [%s]\n", yamlList(rule.ResourceNames))
				}
				fmt.Fprintf(&b, "    verbs: [%s]\n", yamlString(RBACVerb))
			}
			if o.RoleRef != nil {
				fmt.Fprintf(&b, "roleRef:\n  apiGroup: %s\n  kind: %s\n  name: %s\n", o.RoleRef.APIGroup, o.RoleRef.Kind, yamlString(o.RoleRef.Name))
				b.WriteString("subjects:\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: \"system:nodes\"\n")
			}
		}
		return b.String(), nil
	case OutputJSON:
		v := struct {
			APIVersion string       `json:"apiVersion"`
			Kind       string       `json:"kind"`
			Items      []rbacObject `json:"items"`
		}{"v1", "List", objs}
		b, err := json.MarshalIndent(v, "", "  ")
		return string(b) + "\n", err
	}
	return "", fmt.Errorf("unknown output %q; use %s or %s", format, OutputYAML, OutputJSON)
}

// yamlList is a YAML flow sequence of quoted strings.
func yamlList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = yamlString(v)
	}
	return strings.Join(q, ", ")
}
