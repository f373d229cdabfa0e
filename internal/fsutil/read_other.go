//go:build !unix

package fsutil

// openNonblock: no FIFOs to open without blocking.
const openNonblock = 0
