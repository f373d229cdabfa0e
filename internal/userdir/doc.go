// Package userdir finds the user's home, config and cache directories by
// the rules of os.UserHomeDir, os.UserConfigDir and os.UserCacheDir, but
// reading the environment through a getenv the caller gives: the wiring
// (internal/app) decides what the environment is, and tests inject one
// without touching the process's.
package userdir
