//go:build unix

package testenv

import (
	"os/exec"
	"syscall"
)

func ownGroup(c *exec.Cmd) {
	if c.SysProcAttr == nil {
		c.SysProcAttr = &syscall.SysProcAttr{}
	}
	c.SysProcAttr.Setpgid = true
}

// killGroup kills what is left of c's group; ESRCH when nothing is.
func killGroup(c *exec.Cmd) {
	if c.Process != nil && c.SysProcAttr != nil && c.SysProcAttr.Setpgid {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
	}
}

func signaled(ee *exec.ExitError) bool {
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled()
}
