//go:build !unix && !windows

package fsutil

import (
	"io/fs"
	"os"
)

func chown(*os.File, fs.FileInfo) error { return nil }

func syncDir(string) error { return nil }

func isReadOnlyFS(error) bool { return false }
