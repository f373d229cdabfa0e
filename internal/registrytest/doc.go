// Package registrytest states the Google registry host table a second
// time, for tests only: as regular expressions written from the documented
// table (README, "which hosts get a token"), not from package registry's
// code. Fuzz targets and tests check registry's hand-written matcher, and
// what get and the kubelet plugin answer, against it, so that no test asks
// the function under test for its own expected answer.
package registrytest
