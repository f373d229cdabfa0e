//go:build !unix

package fsutil

import "io/fs"

// openNoFollow: outside unix OpenAppend's Lstat is the only symlink check.
const openNoFollow = 0

// checkOwner checks nothing outside unix yet: on Windows the profile
// directory's ACL is what protects the user's files (an ACL-based rule
// replaces this file).
func checkOwner(string, fs.FileInfo, bool) error { return nil }

// checkPerm checks nothing outside unix: Go reports synthetic mode bits
// there (0666, or 0444 for a read-only file) whatever the ACL grants.
func checkPerm(string, fs.FileInfo, fs.FileMode, string, string) error { return nil }
