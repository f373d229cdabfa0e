// Package store keeps the credentials that `docker login` hands to the
// helper's `store` action: in the OS keyring (Secret Service, macOS
// Keychain, Windows Credential Manager, through github.com/zalando/go-keyring)
// or, where no keyring is reachable, in a 0600 file in the user's config dir.
//
// A small index file (hosts, usernames, which backend holds each, when it
// was stored — never a secret) lets `get` for a Google host and `list` answer
// without a D-Bus round trip. On Linux the keyring is used only when a
// session bus is reachable: go-keyring's D-Bus library would otherwise
// autolaunch a bus and leave a dbus-daemon and a gnome-keyring-daemon behind.
package store
