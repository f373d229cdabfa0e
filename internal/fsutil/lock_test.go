package fsutil

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// childLockEnv makes the test binary a lock holder: TestMain takes the lock
// at that path, prints "locked" and holds the lock until its stdin closes.
const childLockEnv = "FSUTIL_TEST_HOLD_LOCK"

func TestMain(m *testing.M) {
	if path := os.Getenv(childLockEnv); path != "" {
		os.Exit(holdLock(path))
	}
	if path := os.Getenv(childWriterEnv); path != "" {
		os.Exit(writeSlowly(path))
	}
	os.Exit(m.Run())
}

func holdLock(path string) int {
	unlock, err := Lock(context.Background(), path, 10*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	if err := unlock(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startHolder runs a child process that holds the lock at path; it returns
// once the child has it. Closing stdin makes the child unlock and exit.
func startHolder(t *testing.T, path string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	return startChild(t, childLockEnv+"="+path, "locked\n")
}

// startChild re-runs the test binary with env set (its TestMain turns it
// into a child), kills it when the test ends, and returns once the child's
// first line is ready; closing the returned stdin lets the child finish.
func startChild(t *testing.T, env, ready string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != ready {
		t.Fatalf("child said %q, %v; want %q", line, err, ready)
	}
	return cmd, stdin
}

func TestLockCrossProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json.lock")
	cmd, stdin := startHolder(t, path)

	_, err := Lock(context.Background(), path, 50*time.Millisecond)
	var lte *LockTimeoutError
	if !errors.Is(err, ErrLockTimeout) || !errors.As(err, &lte) || lte.Path != path {
		t.Fatalf("Lock() while a child holds it = %v, want a *LockTimeoutError for %s", err, path)
	}

	stdin.Close() // the child unlocks and exits
	unlock, err := Lock(context.Background(), path, 10*time.Second)
	if err != nil {
		t.Fatalf("Lock() after the child unlocked = %v, want nil", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("unlock() = %v, want nil", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("child: %v", err)
	}
}

func TestLockHolderKilled(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	path := filepath.Join(t.TempDir(), "config.json.lock")
	cmd, _ := startHolder(t, path)
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to unlock
		t.Fatal(err)
	}
	cmd.Wait()

	start := time.Now()
	unlock, err := Lock(context.Background(), path, 10*time.Second)
	if err != nil {
		t.Fatalf("Lock() after the holder was killed = %v, want nil", err)
	}
	defer unlock()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Lock() after the holder was killed took %v, want it at once", d)
	}
}

func TestLockExcludesWithinProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.lock")
	unlock, err := Lock(context.Background(), path, time.Second)
	if err != nil {
		t.Fatalf("Lock() = %v, want nil", err)
	}
	if _, err := Lock(context.Background(), path, 0); !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("second Lock() = %v, want ErrLockTimeout", err)
	}
	if err := unlock(); err != nil {
		t.Fatalf("unlock() = %v, want nil", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock() = %v, want nil", err)
	}
	unlock2, err := Lock(context.Background(), path, 0)
	if err != nil {
		t.Fatalf("Lock() after unlock = %v, want nil", err)
	}
	unlock2()
}

func TestLockContextCanceled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.lock")
	unlock, err := Lock(context.Background(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Lock(ctx, path, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock(canceled ctx) = %v, want context.Canceled", err)
	}

	// A context that ends while Lock waits stops the wait.
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := Lock(ctx, path, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock(ctx ending while waiting) = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Lock(ctx ending while waiting) took %v, want about 20ms", d)
	}
}

func TestLockCreatesPrivateFile(t *testing.T) {
	skipOnWindows(t)
	dir := filepath.Join(t.TempDir(), "new")
	path := filepath.Join(dir, "x.lock")
	unlock, err := Lock(context.Background(), path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if got := mode(t, path); got != 0o600 {
		t.Errorf("lock file mode = %#o, want %#o", got, 0o600)
	}
	if got := mode(t, dir); got != 0o700 {
		t.Errorf("lock dir mode = %#o, want %#o", got, 0o700)
	}
}
