// Package credhelper implements the docker-credential protocol for
// docker-credential-gcr: the Helper behind get, store, erase and list, and
// Handle, which serves one action as credentials.HandleCommand does with
// clearer words for unusable input. It is the only package that imports
// github.com/docker/docker-credential-helpers.
//
// Docker (and crane, skopeo, podman, regctl, oras, helm) send a server URL on
// stdin in many forms: "host", "host:port", "https://host/",
// "https://index.docker.io/v1/" and, from go-containerregistry,
// "host/project/repo". All are normalised to a lower-case host[:port]
// (registry.NormalizeHost).
//
// Only Google registry hosts (the registry table) and hosts the user
// registered explicitly ever receive a Google access token. Every other host
// gets what docker login stored for it, or the literal not-found text of the
// protocol, which clients match to fall back to anonymous access. "Not found"
// is never used for a real failure: that would make docker silently go
// anonymous. A service-account key stored by docker login (_json_key,
// _json_key_base64) is kept and handed back without the byte order mark a
// Notepad-saved key file brings (keySecret). The Helper is handed its token function, store and docker
// config path (internal/app builds them); it reads nothing else.
package credhelper
