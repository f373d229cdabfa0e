// Package redact owns what the helper may show of what it handles: String
// masks anything that looks like a token, a key or a password in a string;
// NewLogger is the --verbose trail's logger, which redacts every attribute
// as a second line of defence (the trail is written never to log a secret
// in the first place); TracingClient logs each HTTP request by method, host,
// path, status and time — never headers, queries or bodies.
//
// The token chain, the wiring and the tests (whose failure messages quote a
// helper's output) share it; it depends on nothing of this module.
package redact
