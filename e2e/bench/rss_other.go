//go:build !linux

package main

import (
	"errors"
	"os"
)

// peakRSS is measured from /proc under ptrace, on Linux only.
func peakRSS(argv, env []string, dir string, files []*os.File) (kib int64, status int, err error) {
	return 0, 0, errors.New("peak RSS is measured on Linux only")
}
