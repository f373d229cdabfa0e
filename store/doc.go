// Package store keeps the credentials that `docker login` hands to the
// helper's `store` action: in the OS keyring (Secret Service, macOS
// Keychain, Windows Credential Manager, through github.com/zalando/go-keyring)
// or, where no keyring is reachable, in a 0600 file in the user's config dir.
//
// A small index file (hosts, the server URL each was stored with, usernames,
// which backend holds each, when it was stored — never a secret) lets `get`
// for a Google host and `list` answer without a D-Bus round trip. Entries are
// keyed by the normalised host so that `get` finds every URL form of it;
// `list` answers with the server URL as stored (docker's get-all-credentials
// path asks `get` for exactly those keys), or the host for entries stored
// before the server URL was kept. On Linux the keyring is used only when a
// session bus is reachable: go-keyring's D-Bus library would otherwise
// autolaunch a bus and leave a dbus-daemon and a gnome-keyring-daemon behind.
package store
