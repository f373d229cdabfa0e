// Package cmd holds the cobra commands of docker-credential-gcr. Each parses
// its flags into an options struct and calls one method of the App
// (internal/app) that the root command builds once, in PersistentPreRunE;
// none writes to os.Stdout, reads the process's environment or exits on its
// own. Execute serves docker's protocol actions (get, store, erase, list)
// without the command tree: docker runs the helper for every image.
package cmd
