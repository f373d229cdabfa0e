// Package fakehttp holds what the fakes share (internal/fakegoogle,
// internal/fakeregistry): a JSON answer in the shape Google's servers give,
// and a throwaway certificate authority, for the TLS proxy that serves the
// real host names and for the registry's token-signing certificate. It
// imports nothing of this module and no "testing": the demo and the
// benchmark run the fakes too.
package fakehttp
