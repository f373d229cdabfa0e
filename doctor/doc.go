// Package doctor explains, without printing a secret, how docker would get
// credentials for a registry: which config.json docker reads and what its
// credHelpers and credsStore say, whether docker-credential-gcr is on PATH,
// the settings file, whether the host is a Google registry (and of which
// universe), a credential docker login stored for it, the token cache, and
// which source would serve a token as which identity, with its remaining
// life. Run returns an error listing each problem and what to do about it.
//
// It reads the helper's setup as a Setup that internal/app fills: the token
// function, the registered hosts, the store; it builds none of them.
package doctor
