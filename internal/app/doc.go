// Package app is the helper's wiring: an App is built once per process from
// an Env (the environment, the user's home when HOME is unset, stderr, the
// clock, --verbose), reads the settings file and the environment once, and
// builds from them every piece a command needs: the logger of the --verbose
// trail, the token chain and its cache, the credential store, the
// docker-credential protocol's Helper, the kubelet plugin, configure-docker,
// doctor, print-access-token and cache clear. Each command of package cmd
// calls one App method.
//
// The graph reads top-down: cmd -> app -> credhelper, kubelet, configure,
// doctor, accesstoken -> settings, internal/onpath -> token, store,
// configfile, registry -> internal/fsutil, internal/diff, internal/userdir,
// internal/redact.
// Nothing below imports anything above (TestImportGraph).
//
// App reads the process's world only through its Env: tests hand it their
// own environment and home, and never touch the process's.
package app
