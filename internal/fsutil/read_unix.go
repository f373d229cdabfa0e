//go:build unix

package fsutil

import "syscall"

// openNonblock makes the open of a FIFO return at once instead of waiting
// for a writer; reads of a regular file ignore it.
const openNonblock = syscall.O_NONBLOCK
