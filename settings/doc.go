// Package settings reads and writes docker-credential-gcr's own settings file
// (token source order, token and key files, impersonation, metadata account,
// universe, registered custom hosts) and overlays the environment on it.
package settings
