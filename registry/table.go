package registry

import (
	_ "embed"
	"slices"
	"strings"
	"time"
)

// Universe domains.
const (
	UniverseGoogle = "googleapis.com" // gcr.io, pkg.dev
	UniverseS3NS   = "s3nsapis.fr"    // s3nsregistry.fr (S3NS Trusted Cloud)
)

// Username is what Google registries take with an access token.
const Username = "oauth2accesstoken"

// TokenLife is the longest a Google access token lives: a stored
// oauth2accesstoken older than this is dead.
const TokenLife = 60 * time.Minute

// Pattern is one shape of Google registry host.
type Pattern struct {
	Name     string // as a user reads it: LOCATION-docker.pkg.dev
	Glob     string // as the kubelet's matchImages write it: *-docker.pkg.dev
	Universe string // whose tokens its hosts accept
	match    func(hostname string) bool
}

// patterns is the table of Google registry hosts: every decision "is this
// host Google's" (get, the kubelet plugin, configure-docker, list) and
// every message that lists the hosts read it.
var patterns = []Pattern{
	{"gcr.io", "gcr.io", UniverseGoogle, func(h string) bool { return h == "gcr.io" }},
	{"*.gcr.io", "*.gcr.io", UniverseGoogle, func(h string) bool { return oneLabelUnder(h, ".gcr.io") }},
	{"LOCATION-docker.pkg.dev", "*-docker.pkg.dev", UniverseGoogle, func(h string) bool {
		return locationLabel(strings.TrimSuffix(h, "-docker.pkg.dev"), h, "-docker.pkg.dev")
	}},
	{"docker.LOCATION.rep.pkg.dev", "docker.*.rep.pkg.dev", UniverseGoogle, func(h string) bool {
		return strings.HasPrefix(h, "docker.") && locationLabel(strings.TrimSuffix(strings.TrimPrefix(h, "docker."), ".rep.pkg.dev"), h, ".rep.pkg.dev")
	}},
	{"LOCATION-docker.s3nsregistry.fr", "*-docker.s3nsregistry.fr", UniverseS3NS, func(h string) bool {
		return locationLabel(strings.TrimSuffix(h, "-docker.s3nsregistry.fr"), h, "-docker.s3nsregistry.fr")
	}},
}

// Patterns returns the table of Google registry host patterns, in order.
func Patterns() []Pattern { return slices.Clone(patterns) }

// Names lists the patterns as users read them, for messages: "gcr.io,
// *.gcr.io, LOCATION-docker.pkg.dev, docker.LOCATION.rep.pkg.dev,
// LOCATION-docker.s3nsregistry.fr".
func Names() string {
	names := make([]string, len(patterns))
	for i, p := range patterns {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Globs returns the patterns as the kubelet's matchImages globs.
func Globs() []string {
	globs := make([]string, len(patterns))
	for i, p := range patterns {
		globs[i] = p.Glob
	}
	return globs
}

// ContainerRegistryHosts are Container Registry's hosts: what
// configure-docker configures when given no host.
func ContainerRegistryHosts() []string {
	return []string{"gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io", "marketplace.gcr.io"}
}

//go:embed regions.txt
var regionsFile string

// ArtifactRegistryLocations returns every known Artifact Registry location
// (regions.txt).
func ArtifactRegistryLocations() []string {
	var locs []string
	for _, l := range strings.Split(regionsFile, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			locs = append(locs, l)
		}
	}
	return locs
}

// ArtifactRegistryHosts returns LOCATION-docker.pkg.dev for every known
// Artifact Registry location.
func ArtifactRegistryHosts() []string {
	var hosts []string
	for _, l := range ArtifactRegistryLocations() {
		hosts = append(hosts, l+"-docker.pkg.dev")
	}
	return hosts
}

// S3NSLocations are the S3NS (Trusted Cloud) locations whose registry is
// LOCATION-docker.s3nsregistry.fr.
func S3NSLocations() []string { return []string{"u-france-east1"} }

// S3NSHosts returns LOCATION-docker.s3nsregistry.fr for every S3NS location.
func S3NSHosts() []string {
	var hosts []string
	for _, l := range S3NSLocations() {
		hosts = append(hosts, l+"-docker.s3nsregistry.fr")
	}
	return hosts
}

// Hosts returns every Google registry host known by name: the Container
// Registry hosts, LOCATION-docker.pkg.dev for every Artifact Registry
// location and the S3NS registries.
func Hosts() []string {
	return slices.Concat(ContainerRegistryHosts(), ArtifactRegistryHosts(), S3NSHosts())
}
