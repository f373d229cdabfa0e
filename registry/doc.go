// Package registry is the one table of Google registry hosts: the host
// patterns and the universe whose tokens each accepts (gcr.io and *.gcr.io,
// LOCATION-docker.pkg.dev and docker.LOCATION.rep.pkg.dev in googleapis.com;
// LOCATION-docker.s3nsregistry.fr in s3nsapis.fr), the hosts known by name
// (Container Registry's, every Artifact Registry location's from
// regions.txt, the S3NS registries), and NormalizeHost, which reduces any
// server URL docker and its peers send to a lower-case host[:port].
//
// Everything that decides "is this host Google's" reads it: get's answer,
// the kubelet plugin's matchImages and answers, configure-docker's host
// checks and region list, list's served hosts, and every message that names
// the hosts (Names). A host matches only the well-known shapes: one DNS
// label under gcr.io, a location of lower-case words joined by dashes
// ("us", "us-east1", "europe-west10"), never punycode ("xn--"); a Google
// host is Google's on any port. Hosts the user registers explicitly are
// served exactly as registered, host[:port] (Lookup).
//
// It imports nothing of this module: it sits at the bottom of the graph.
package registry
