// Package diff renders the unified diff (`diff -u`) of two texts, line by
// line, with Myers' algorithm: what `configure-docker --dry-run` prints, and
// what tests print when bytes differ. It knows nothing about JSON or docker.
package diff
