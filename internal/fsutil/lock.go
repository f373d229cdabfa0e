package fsutil

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrLockTimeout is matched (errors.Is) by the *LockTimeoutError that Lock
// returns when another process holds the lock for longer than the timeout.
var ErrLockTimeout = errors.New("timed out waiting for lock")

// LockTimeoutError reports that the lock at Path stayed taken for Timeout.
type LockTimeoutError struct {
	Path    string
	Timeout time.Duration
}

func (e *LockTimeoutError) Error() string {
	return fmt.Sprintf("lock %s: still held by another process after %s; wait for the other docker-credential-gcr to finish and retry",
		e.Path, e.Timeout)
}

// Is makes errors.Is(err, ErrLockTimeout) true.
func (e *LockTimeoutError) Is(target error) bool { return target == ErrLockTimeout }

// Polling bounds: the first retry is quick (a holder usually finishes within
// milliseconds), later ones back off so that a long wait costs little CPU.
const (
	minBackoff = time.Millisecond
	maxBackoff = 25 * time.Millisecond
)

// Lock takes an exclusive OS lock (flock on unix, LockFileEx on windows) on
// the lock file at path, creating it 0600 (and missing parents 0700). It
// waits at most timeout, polling with a short backoff, and returns a
// *LockTimeoutError (errors.Is ErrLockTimeout) when the lock stays taken, or
// the context's error when ctx ends first. A timeout <= 0 tries once.
//
// The lock belongs to the open file, not to the process: two Locks on the
// same path exclude each other inside one process as well. The kernel drops
// it when the holder exits, however it exits. unlock releases the lock and
// closes the file; calling it again does nothing.
func Lock(ctx context.Context, path string, timeout time.Duration) (unlock func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: create directory: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: open lock file: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	backoff := minBackoff
	var timer *time.Timer
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if ok {
			break
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			f.Close()
			return nil, &LockTimeoutError{Path: path, Timeout: timeout}
		}
		wait = min(wait, backoff)
		backoff = min(2*backoff, maxBackoff)
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		} else {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-timer.C:
		}
	}
	var once sync.Once
	return func() (err error) {
		once.Do(func() {
			if e := errors.Join(unlockFile(f), f.Close()); e != nil {
				err = fmt.Errorf("unlock %s: %w", path, e)
			}
		})
		return err
	}, nil
}
