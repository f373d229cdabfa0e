//go:build !unix

package fsutil

// openNonblock: there is no O_NONBLOCK outside unix.
const openNonblock = 0
