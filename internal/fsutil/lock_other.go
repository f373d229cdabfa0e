//go:build !windows && (!unix || aix)

package fsutil

import (
	"fmt"
	"os"
	"runtime"
)

func tryLock(*os.File) (bool, error) {
	return false, fmt.Errorf("file locks are not supported on %s", runtime.GOOS)
}

func unlockFile(*os.File) error { return nil }
