// Package fsutil owns the file-system primitives that every reader and writer
// in this module shares: an atomic file replacement that behaves like the
// docker CLI's own config save, an exclusive lock between processes, a capped
// read of regular files only, and the one file-trust rule.
//
// WriteFileAtomic writes a temp file beside the target, fsyncs it, renames it
// over the target and fsyncs the directory, so a reader sees the old bytes or
// the new bytes and never a torn file, even after a crash. A symlinked target
// is written at its final destination (dotfile managers symlink
// ~/.docker/config.json), and an existing file keeps its mode and, when we run
// as root, its owner: `sudo docker-credential-gcr configure-docker` must not
// hand a user's config to root.
//
// A writer killed between creating its temp file and the rename leaves the
// temp file, a copy of the data (secrets, often). RemoveTemps, which every
// editor calls holding its lock, removes the temp files no running process
// holds: on unix WriteFileAtomic keeps an flock on its temp file until after
// the rename, and the kernel drops it when the writer dies; on windows a
// file a writer holds open cannot be removed.
//
// Lock is an OS lock (flock on unix, LockFileEx on windows) on a separate lock
// file that is never removed. The kernel drops the lock when the holder dies,
// so a crashed or SIGKILLed process never leaves a stale lock behind and there
// is no "remove the lock file" advice to give. The lock file cannot be the
// data file itself: WriteFileAtomic renames a new inode over it.
//
// ReadRegular reads a file only when it is a regular file under a size cap:
// a FIFO (opened without blocking) or /dev/zero is refused at once. BOM,
// HasBOM and TrimBOM are the UTF-8 byte order mark Windows editors put in
// front of a file's text (config.json, the settings, key and token files, a
// key handed to docker login): one definition for every reader.
//
// The trust rule (trust.go, split by OS in trust_unix.go and trust_other.go)
// is the only place that decides whether a file can be believed: CheckPrivate
// for files that hold secrets (the user's alone, no group or other bits),
// CheckNotWritableByOthers for files that steer the helper (the user's or
// root's, not writable by group or others), EnsurePrivateDir for the cache
// and lock directories. ReadPrivate, ReadNotWritableByOthers and OpenAppend
// apply them to the file actually opened (fstat), not to a second lookup.
package fsutil
