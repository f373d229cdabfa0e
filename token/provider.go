package token

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// WorkloadProvider is a workload identity pool provider: what STS
// exchanges an external OIDC token (a CI job's, a pod's service-account
// token) at. It comes in two forms:
//
//   - a pool provider, projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV,
//     optionally written as its full resource name //iam.UNIVERSE/projects/...;
//   - GKE's identity namespace, identitynamespace:PROJECT.svc.id.goog:ISSUER,
//     where ISSUER is a cluster
//     (https://container.googleapis.com/v1/projects/P/locations/L/clusters/C)
//     or a fleet membership
//     (https://gkehub.googleapis.com/projects/P/locations/global/memberships/M);
//     googleapis.com only.
//
// The zero value is not a provider; build one with ParseWorkloadProvider.
type WorkloadProvider struct {
	Universe string // the universe of its STS and IAM, such as googleapis.com

	// The pool form.
	ProjectNumber string
	Pool          string
	Provider      string

	// The identitynamespace form.
	IdentityNamespace string // PROJECT.svc.id.goog
	Issuer            string // the cluster's or membership's URL
}

// Example forms, shown by parse errors.
const (
	providerForm = "projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER" +
		" (for example projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github)," +
		" optionally prefixed with //iam.UNIVERSE/ (//iam.googleapis.com/, //iam.s3nsapis.fr/)," +
		" or identitynamespace:PROJECT.svc.id.goog:https://container.googleapis.com/v1/projects/PROJECT/locations/LOCATION/clusters/CLUSTER"
	maxProviderName = 1024
)

// namePatterns check the parts of a provider name.
type namePatterns struct {
	projectNumber, workloadID, universe, projectID     *regexp.Regexp
	gkeProject, gkeLocation, gkeCluster, gkeMembership *regexp.Regexp
}

// providerPatterns are compiled on first use: a warm get never parses a
// provider name, and compiling them at init cost every get half a
// millisecond (GODEBUG=inittrace=1).
var providerPatterns = sync.OnceValue(func() *namePatterns {
	return &namePatterns{
		projectNumber: regexp.MustCompile(`^[1-9][0-9]{0,19}$`),
		// Pool and provider IDs: 4 to 32 lower-case letters, digits and
		// hyphens; the gcp- prefix is Google's.
		workloadID: regexp.MustCompile(`^[a-z0-9-]{4,32}$`),
		// A DNS name of at least two labels, lower case, no port.
		universe:  regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`),
		projectID: regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`),
		// A project ID or number, a location, a cluster, a fleet membership.
		gkeProject:    regexp.MustCompile(`^([a-z][a-z0-9-]{4,28}[a-z0-9]|[1-9][0-9]{0,19})$`),
		gkeLocation:   regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`),
		gkeCluster:    regexp.MustCompile(`^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`),
		gkeMembership: regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`),
	}
})

// ParseWorkloadProvider parses a workload identity provider name (see
// WorkloadProvider for the forms). universe is the configured universe, ""
// for none: a name without //iam.UNIVERSE/ is in it (googleapis.com when
// ""), and a name with one must agree with it. Nothing else is accepted: no
// URL, no other host, no port, no empty, "." or ".." segment, no
// whitespace inside. The error names the part that is wrong and shows the
// right form.
func ParseWorkloadProvider(name, universe string) (WorkloadProvider, error) {
	name = strings.TrimSpace(name)
	bad := func(part, format string, a ...any) (WorkloadProvider, error) {
		return WorkloadProvider{}, &providerNameError{name: name, part: part, reason: fmt.Sprintf(format, a...)}
	}
	if universe != "" && !providerPatterns().universe.MatchString(universe) {
		return bad("universe", "the configured universe %q is not a domain name", truncate(universe, 64))
	}
	switch {
	case name == "":
		return bad("name", "is empty")
	case len(name) > maxProviderName:
		return bad("name", "is %d bytes long", len(name))
	case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f || r > '~' }):
		return bad("name", "contains whitespace, control or non-ASCII characters")
	case strings.ContainsAny(name, "?#%\\@"):
		return bad("name", "contains one of ? # %% \\ @, which no provider name has")
	}
	if rest, ok := strings.CutPrefix(name, "identitynamespace:"); ok {
		return parseIdentityNamespace(name, rest, universe)
	}
	p := WorkloadProvider{Universe: universe}
	rest := name
	if after, ok := strings.CutPrefix(name, "//"); ok {
		host, path, _ := strings.Cut(after, "/")
		u, ok := strings.CutPrefix(host, "iam.")
		switch {
		case !ok:
			return bad("host", "%q is not iam.UNIVERSE: the full resource name starts with //iam.googleapis.com/ (or the IAM host of your universe)", truncate(host, 64))
		case !providerPatterns().universe.MatchString(u):
			return bad("universe", "%q is not a domain name (no port, no user, lower case)", truncate(u, 64))
		case universe != "" && u != universe:
			return bad("universe", "the name is in universe %s but the configured universe is %s", u, universe)
		}
		p.Universe, rest = u, path
	} else if i := strings.Index(name, "://"); i >= 0 {
		return bad("scheme", "%s:// makes it a URL; write projects/... or //iam.UNIVERSE/projects/...", truncate(name[:i], 16))
	} else if !strings.HasPrefix(name, "projects/") {
		return bad("start", "it must start with projects/ or //iam.UNIVERSE/")
	}
	if p.Universe == "" {
		p.Universe = DefaultUniverse
	}
	seg := strings.Split(rest, "/")
	for i, s := range seg {
		if s == "" || s == "." || s == ".." {
			return bad("path", "segment %d is %q", i+1, s)
		}
	}
	if len(seg) == 6 && seg[0] == "projects" && seg[4] == "workloadIdentityPools" {
		return bad("provider", "it names a pool, not a provider: add /providers/PROVIDER")
	}
	if len(seg) != 8 || seg[0] != "projects" || seg[2] != "locations" || seg[4] != "workloadIdentityPools" || seg[6] != "providers" {
		return bad("path", "it is not projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROVIDER")
	}
	switch {
	case !providerPatterns().projectNumber.MatchString(seg[1]):
		if providerPatterns().projectID.MatchString(seg[1]) {
			return bad("project", "%q is a project ID; use the project number (gcloud projects describe %s --format='value(projectNumber)')", seg[1], seg[1])
		}
		return bad("project", "%q is not a project number", truncate(seg[1], 32))
	case seg[3] != "global":
		return bad("location", "%q: workload identity pools are in location global", truncate(seg[3], 32))
	case !providerPatterns().workloadID.MatchString(seg[5]) || strings.HasPrefix(seg[5], "gcp-"):
		return bad("pool", "%q is not a pool ID (4 to 32 lower-case letters, digits or hyphens, not starting with gcp-)", truncate(seg[5], 40))
	case !providerPatterns().workloadID.MatchString(seg[7]) || strings.HasPrefix(seg[7], "gcp-"):
		return bad("provider", "%q is not a provider ID (4 to 32 lower-case letters, digits or hyphens, not starting with gcp-)", truncate(seg[7], 40))
	}
	p.ProjectNumber, p.Pool, p.Provider = seg[1], seg[5], seg[7]
	return p, nil
}

// parseIdentityNamespace parses rest, the part of name after
// "identitynamespace:": PROJECT.svc.id.goog:https://HOST/PATH.
func parseIdentityNamespace(name, rest, universe string) (WorkloadProvider, error) {
	bad := func(part, format string, a ...any) (WorkloadProvider, error) {
		return WorkloadProvider{}, &providerNameError{name: name, part: part, reason: fmt.Sprintf(format, a...)}
	}
	if universe != "" && universe != DefaultUniverse {
		return bad("universe", "GKE's identitynamespace form exists only in googleapis.com, not in %s; use a pool provider", universe)
	}
	ns, issuer, ok := strings.Cut(rest, ":")
	project, isNS := strings.CutSuffix(ns, ".svc.id.goog")
	switch {
	case !ok || !isNS:
		return bad("identity namespace", "%q is not PROJECT.svc.id.goog", truncate(ns, 64))
	case !providerPatterns().projectID.MatchString(project):
		return bad("identity namespace", "%q is not a project ID", truncate(project, 40))
	}
	path, ok := strings.CutPrefix(issuer, "https://")
	if !ok {
		return bad("issuer", "it must be an https:// URL of container.googleapis.com or gkehub.googleapis.com")
	}
	seg := strings.Split(path, "/")
	switch {
	case len(seg) == 7 && seg[0] == "container.googleapis.com" && seg[1] == "v1" && seg[2] == "projects" && seg[4] == "locations" && seg[6] == "clusters":
		return bad("issuer", "it names no cluster: add /clusters/CLUSTER")
	case len(seg) == 8 && seg[0] == "container.googleapis.com" && seg[1] == "v1" && seg[2] == "projects" && seg[4] == "locations" && seg[6] == "clusters":
		switch {
		case !providerPatterns().gkeProject.MatchString(seg[3]):
			return bad("issuer", "project %q is not a project ID or number", truncate(seg[3], 40))
		case !providerPatterns().gkeLocation.MatchString(seg[5]):
			return bad("issuer", "location %q is not a GKE location", truncate(seg[5], 40))
		case !providerPatterns().gkeCluster.MatchString(seg[7]):
			return bad("issuer", "cluster %q is not a GKE cluster name", truncate(seg[7], 48))
		}
	case len(seg) == 6 && seg[0] == "gkehub.googleapis.com" && seg[1] == "projects" && seg[3] == "locations" && seg[5] == "memberships":
		return bad("issuer", "it names no membership: add /memberships/MEMBERSHIP")
	case len(seg) == 7 && seg[0] == "gkehub.googleapis.com" && seg[1] == "projects" && seg[3] == "locations" && seg[5] == "memberships":
		switch {
		case !providerPatterns().gkeProject.MatchString(seg[2]):
			return bad("issuer", "project %q is not a project ID or number", truncate(seg[2], 40))
		case seg[4] != "global":
			return bad("issuer", "fleet memberships are in location global, not %q", truncate(seg[4], 32))
		case !providerPatterns().gkeMembership.MatchString(seg[6]):
			return bad("issuer", "membership %q is not a membership name", truncate(seg[6], 64))
		}
	default:
		return bad("issuer", "it must be https://container.googleapis.com/v1/projects/PROJECT/locations/LOCATION/clusters/CLUSTER or https://gkehub.googleapis.com/projects/PROJECT/locations/global/memberships/MEMBERSHIP")
	}
	return WorkloadProvider{Universe: DefaultUniverse, IdentityNamespace: ns, Issuer: issuer}, nil
}

// providerNameError explains why a provider name was refused.
type providerNameError struct {
	name, part, reason string
}

func (e *providerNameError) Error() string {
	return fmt.Sprintf("workload identity provider %q: %s: %s; the form is %s", truncate(e.name, 120), e.part, e.reason, providerForm)
}

// IsIdentityNamespace reports whether p is GKE's identitynamespace form.
func (p WorkloadProvider) IsIdentityNamespace() bool { return p.IdentityNamespace != "" }

// ResourceName is the pool provider's relative resource name,
// projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV;
// "" for the identitynamespace form.
func (p WorkloadProvider) ResourceName() string {
	if p.IsIdentityNamespace() || p.Provider == "" {
		return ""
	}
	return "projects/" + p.ProjectNumber + "/locations/global/workloadIdentityPools/" + p.Pool + "/providers/" + p.Provider
}

// Audience is the audience of the STS exchange:
// //iam.UNIVERSE/projects/... for a pool provider, the identitynamespace:
// name as given for GKE.
func (p WorkloadProvider) Audience() string {
	if p.IsIdentityNamespace() {
		return "identitynamespace:" + p.IdentityNamespace + ":" + p.Issuer
	}
	return "//iam." + p.Universe + "/" + p.ResourceName()
}

// OIDCAudience is the aud a subject token needs by default:
// https://iam.UNIVERSE/ + the resource name (google-github-actions/auth's
// default, one of the two a provider allows unless configured otherwise);
// for GKE's identitynamespace, the identity namespace PROJECT.svc.id.goog.
func (p WorkloadProvider) OIDCAudience() string {
	if p.IsIdentityNamespace() {
		return p.IdentityNamespace
	}
	return "https://iam." + p.Universe + "/" + p.ResourceName()
}

// STSEndpoint is the token exchange endpoint of p's universe.
func (p WorkloadProvider) STSEndpoint() string { return STSEndpoint(p.Universe) }

// PoolPrincipal is the principal a federated token acts as when the
// provider maps google.subject to subject (the default mapping,
// google.subject=assertion.sub): principal://iam.UNIVERSE/projects/NUM/
// locations/global/workloadIdentityPools/POOL/subject/SUBJECT. "" for the
// identitynamespace form, whose project number is not in its name.
func (p WorkloadProvider) PoolPrincipal(subject string) string {
	if p.IsIdentityNamespace() || p.Pool == "" {
		return ""
	}
	return "principal://iam." + p.Universe + "/projects/" + p.ProjectNumber + "/locations/global/workloadIdentityPools/" + p.Pool + "/subject/" + subject
}

// String is the STS audience.
func (p WorkloadProvider) String() string { return p.Audience() }
