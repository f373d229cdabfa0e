package fakeregistry

import "syscall"

// sysProcAttr makes the kernel SIGKILL docker-registry when the process
// that started it dies without calling Close (a test binary killed by its
// timeout, os.Exit in a demo), so no registry outlives its owner.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
