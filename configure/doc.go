// Package configure is configure-docker: it maps registry hosts to this
// helper in the credHelpers of Docker's config.json (or removes the entries
// that point at it), through configfile's minimal, locked, atomic edit.
//
// Hosts are normalised ("https://", a trailing "/" and case dropped) and a
// name docker could never match (empty, a path, a wildcard, a space) is
// refused with the reason. With no host it configures Container Registry;
// --include-artifact-registry adds every Artifact Registry location (both
// lists from package registry). A host outside the Google table is refused
// unless the user passes --allow-custom-host, which also records it in the
// helper's settings file so that get serves it. --dry-run prints a unified
// diff and writes nothing. What changed, and the warnings that apply (the
// binary not on PATH, a credsStore that is set), go to stderr.
package configure
