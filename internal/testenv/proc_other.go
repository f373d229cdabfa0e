//go:build !unix

package testenv

import "os/exec"

func ownGroup(*exec.Cmd)  {}
func killGroup(*exec.Cmd) {}

func signaled(ee *exec.ExitError) bool { return ee.ExitCode() == -1 }
