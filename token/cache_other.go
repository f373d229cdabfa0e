//go:build !unix

package token

import "io/fs"

// ownedByUser: on Windows the per-user profile dir's ACL is what protects
// the cache; file ownership is not checked.
func ownedByUser(fs.FileInfo) bool { return true }
