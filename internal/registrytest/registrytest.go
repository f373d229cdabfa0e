package registrytest

import (
	"regexp"
	"strings"
)

const (
	label    = `[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?` // one DNS label: letters, digits, inner dashes
	location = `[a-z][a-z0-9]*(-[a-z0-9]+)*`        // us, us-east1, europe-west10, u-france-east1
	port     = `(:[0-9]{1,5})?`
)

var (
	googleapis = regexp.MustCompile(`^(gcr\.io|` + label + `\.gcr\.io|` + location + `-docker\.pkg\.dev|docker\.` + location + `\.rep\.pkg\.dev)` + port + `$`)
	s3ns       = regexp.MustCompile(`^` + location + `-docker\.s3nsregistry\.fr` + port + `$`)
)

// Google reports whether host, a normalised host[:port], is a Google
// registry host by the documented table, and the universe whose tokens it
// accepts. A punycode label ("xn--...") under gcr.io is no registry name.
func Google(host string) (universe string, ok bool) {
	switch {
	case strings.HasPrefix(host, "xn--"):
		return "", false
	case googleapis.MatchString(host):
		return "googleapis.com", true
	case s3ns.MatchString(host):
		return "s3nsapis.fr", true
	}
	return "", false
}
