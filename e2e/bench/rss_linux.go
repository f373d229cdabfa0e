package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// peakRSS runs argv (stdin, stdout and stderr given) and returns the largest
// VmHWM of any process of its tree, read from /proc at each task's exit
// under ptrace, in KiB; and the root's exit status.
//
// The rusage of the child (ProcessState.SysUsage().Maxrss) cannot be used:
// Go starts a child with vfork, and at execve the kernel folds the peak RSS
// of the address space being left — the parent's — into the child's
// maxrss. From this program every child "peaks" at this program's own RSS
// (about 9 MiB), hello-world included.
func peakRSS(argv, env []string, dir string, files []*os.File) (kib int64, status int, err error) {
	// ptrace requests must come from the thread that started the tracee.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p, err := os.StartProcess(argv[0], argv, &os.ProcAttr{
		Dir: dir, Env: env, Files: files,
		Sys: &syscall.SysProcAttr{Ptrace: true},
	})
	if err != nil {
		return 0, 0, err
	}
	defer p.Release()
	root := p.Pid
	var ws syscall.WaitStatus
	if _, err := wait(root, &ws); err != nil { // stopped after its execve
		return 0, 0, err
	}
	if !ws.Stopped() {
		return 0, 0, fmt.Errorf("%s: not stopped after exec: %v", argv[0], ws)
	}
	const opts = unix.PTRACE_O_TRACEEXIT | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACEFORK |
		unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_EXITKILL
	if err := syscall.PtraceSetOptions(root, opts); err != nil {
		return 0, 0, fmt.Errorf("ptrace setoptions: %w", err)
	}
	if err := syscall.PtraceCont(root, 0); err != nil {
		return 0, 0, fmt.Errorf("ptrace cont: %w", err)
	}
	status = -1
	for {
		pid, err := wait(-1, &ws)
		if errors.Is(err, syscall.ECHILD) {
			break // every task of the tree is gone
		}
		if err != nil {
			return 0, 0, err
		}
		switch {
		case ws.Exited() || ws.Signaled():
			if pid == root {
				status = ws.ExitStatus()
				if ws.Signaled() {
					status = 128 + int(ws.Signal())
				}
			}
			continue
		case !ws.Stopped():
			continue
		}
		sig := ws.StopSignal()
		switch cause := ws.TrapCause(); {
		case cause == syscall.PTRACE_EVENT_EXIT:
			if h, err := vmHWM(pid); err == nil {
				kib = max(kib, h)
			}
			sig = 0
		case cause > 0: // fork, vfork, clone, exec events
			sig = 0
		case sig == syscall.SIGSTOP: // the stop a new tracee starts with
			sig = 0
		}
		// A task may vanish (SIGKILLed with its group) between the stop and here.
		_ = syscall.PtraceCont(pid, int(sig))
	}
	if status < 0 {
		return 0, 0, fmt.Errorf("%s: exit status not seen", argv[0])
	}
	return kib, status, nil
}

// wait is wait4 on any tracee, threads included, retried on EINTR.
func wait(pid int, ws *syscall.WaitStatus) (int, error) {
	for {
		got, err := syscall.Wait4(pid, ws, syscall.WALL, nil)
		if err != syscall.EINTR {
			return got, err
		}
	}
}

// vmHWM reads the peak resident set size of the task's address space.
func vmHWM(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM") // a task whose mm is already gone
}
