//go:build !linux

package fakeregistry

import "syscall"

// sysProcAttr: only Linux can tie the child's life to ours; elsewhere a
// registry whose owner dies without Close lingers until killed.
func sysProcAttr() *syscall.SysProcAttr { return nil }
