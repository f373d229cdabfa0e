// Package onpath says, in the running OS's words, that docker cannot find
// docker-credential-gcr on PATH and what to do about it: add go install's
// directory to PATH when the binary sits there, else put the binary in a
// directory on PATH. configure-docker warns with it; doctor lists it as a
// problem.
package onpath
