package registry

import (
	"reflect"
	"slices"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/registrytest"
)

// Every host the table names is Google's, of the universe the documented
// table gives it, and the lists are what configure-docker and list use.
func TestNamedHosts(t *testing.T) {
	if got, want := ContainerRegistryHosts(), []string{"gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io", "marketplace.gcr.io"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ContainerRegistryHosts() = %q, want %q", got, want)
	}
	locs := ArtifactRegistryLocations()
	if len(locs) < 40 || !slices.IsSorted(locs) || len(slices.Compact(slices.Clone(locs))) != len(locs) {
		t.Errorf("ArtifactRegistryLocations() = %d locations %q, want 40 or more, sorted, each once (regions.txt)", len(locs), locs)
	}
	for _, l := range []string{"us", "europe", "asia", "us-east1", "europe-west10", "africa-south1"} {
		if !slices.Contains(locs, l) {
			t.Errorf("ArtifactRegistryLocations() lacks %s", l)
		}
	}
	hosts := Hosts()
	if len(hosts) != len(ContainerRegistryHosts())+len(locs)+len(S3NSHosts()) {
		t.Errorf("Hosts() has %d hosts, want the Container Registry, Artifact Registry and S3NS ones", len(hosts))
	}
	for _, h := range hosts {
		want, wantOK := registrytest.Google(h)
		if got, ok := Universe(h); !ok || !wantOK || got != want {
			t.Errorf("Universe(%q) = %q, %v, want %q (the documented table)", h, got, ok, want)
		}
	}
	if got := S3NSHosts(); !reflect.DeepEqual(got, []string{"u-france-east1-docker.s3nsregistry.fr"}) {
		t.Errorf("S3NSHosts() = %q", got)
	}
}

// Names is what every message that lists the hosts says.
func TestNamesAndGlobs(t *testing.T) {
	if got, want := Names(), "gcr.io, *.gcr.io, LOCATION-docker.pkg.dev, docker.LOCATION.rep.pkg.dev, LOCATION-docker.s3nsregistry.fr"; got != want {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	if got, want := Globs(), []string{"gcr.io", "*.gcr.io", "*-docker.pkg.dev", "docker.*.rep.pkg.dev", "*-docker.s3nsregistry.fr"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Globs() = %q, want %q", got, want)
	}
	p := Patterns()
	p[0].Name = "changed"
	if Patterns()[0].Name != "gcr.io" {
		t.Errorf("Patterns() hands out the table itself: a caller changed it")
	}
}

// A registered host is served exactly as registered, host[:port]; a Google
// host on any port.
func TestLookup(t *testing.T) {
	custom := Custom([]string{"https://Registry.Example.com/", "other.example.com:5000", "bad host"}, "")
	if want := map[string]string{"registry.example.com": UniverseGoogle, "other.example.com:5000": UniverseGoogle}; !reflect.DeepEqual(custom, want) {
		t.Errorf("Custom() = %v, want %v", custom, want)
	}
	if c := Custom([]string{"r.example"}, "example-universe.test"); c["r.example"] != "example-universe.test" {
		t.Errorf("Custom(universe) = %v, want r.example in example-universe.test", c)
	}
	for host, want := range map[string]bool{
		"registry.example.com":       true,
		"registry.example.com:31337": false,
		"other.example.com:5000":     true,
		"other.example.com":          false,
		"gcr.io:5000":                true,
		"us-docker.pkg.dev:443":      true,
		"ghcr.io":                    false,
	} {
		if _, ok := Lookup(host, custom); ok != want {
			t.Errorf("Lookup(%q) = %v, want %v", host, ok, want)
		}
	}
}
