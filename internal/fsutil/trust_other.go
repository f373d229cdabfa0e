//go:build !unix && !windows

package fsutil

import "io/fs"

// openNoFollow: outside unix OpenAppend's Lstat is the only symlink check.
const openNoFollow = 0

// checkOwner checks nothing on plan9, js and wasip1: there is no owner to
// compare with a user.
func checkOwner(string, fs.FileInfo, bool) error { return nil }

// checkPerm checks nothing there either.
func checkPerm(string, fs.FileInfo, fs.FileMode) error { return nil }

func closeDir(string, fs.FileInfo) error { return nil }
