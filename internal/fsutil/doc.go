// Package fsutil owns the two file-system primitives that every writer in
// this module shares: an atomic file replacement that behaves like the docker
// CLI's own config save, and an exclusive lock between processes.
//
// WriteFileAtomic writes a temp file beside the target, fsyncs it, renames it
// over the target and fsyncs the directory, so a reader sees the old bytes or
// the new bytes and never a torn file, even after a crash. A symlinked target
// is written at its final destination (dotfile managers symlink
// ~/.docker/config.json), and an existing file keeps its mode and, when we run
// as root, its owner: `sudo docker-credential-gcr configure-docker` must not
// hand a user's config to root.
//
// Lock is an OS lock (flock on unix, LockFileEx on windows) on a separate lock
// file that is never removed. The kernel drops the lock when the holder dies,
// so a crashed or SIGKILLed process never leaves a stale lock behind and there
// is no "remove the lock file" advice to give. The lock file cannot be the
// data file itself: WriteFileAtomic renames a new inode over it.
package fsutil
