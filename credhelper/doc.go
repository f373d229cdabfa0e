// Package credhelper implements the docker-credential protocol for
// docker-credential-gcr. It is the only package that imports
// github.com/docker/docker-credential-helpers.
//
// Docker (and crane, skopeo, podman, the kubelet through our plugin) send a
// server URL on stdin in many forms: "host", "host:port", "https://host/",
// "https://index.docker.io/v1/" and, from go-containerregistry,
// "host/project/repo". All are normalised to a lower-case host[:port].
//
// The decision "ours or not" lives here: only Google registry hosts (and hosts
// the user registered explicitly) ever receive a Google access token. Every
// other host gets the literal not-found text of the protocol, which clients
// match to fall back to anonymous access. "Not found" is never used for a real
// failure: that would make docker silently go anonymous.
package credhelper
