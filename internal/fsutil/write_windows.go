package fsutil

import (
	"io/fs"
	"os"
)

// chown is a no-op on windows: a file's owner comes from its ACL, and a new
// file in the user's profile inherits the right one.
func chown(*os.File, fs.FileInfo) error { return nil }

// syncDir is a no-op on windows, where directories cannot be opened for
// FlushFileBuffers and MoveFileEx already journals the rename on NTFS.
func syncDir(string) error { return nil }

// isReadOnlyFS: Windows reports a read-only place as access denied, which
// is fs.ErrPermission.
func isReadOnlyFS(error) bool { return false }
