//go:build unix

package fsutil

import "syscall"

// openNonblock makes opening a FIFO that nobody writes return at once.
const openNonblock = syscall.O_NONBLOCK
