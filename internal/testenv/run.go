package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/redact"
)

// Result is what a process did.
type Result struct {
	Script         string // what ran, as a user would type it
	Stdout, Stderr string
	Err            error // nil, an *exec.ExitError, or why it did not run to the end
	Code           int   // the exit code; -1 when killed by a signal or not run to the end
	Killed         bool  // ended by a signal
	Elapsed        time.Duration
}

// String is the run for a failure message: tokens, keys and passwords in
// its output are redacted (redact.String), since a test message is a log.
func (r Result) String() string {
	return fmt.Sprintf("$ %s\n%s%s(err: %v)", r.Script, redact.String(r.Stdout), redact.String(r.Stderr), r.Err)
}

// Proc is a started process.
type Proc struct {
	Cmd            *exec.Cmd
	script         string
	stdout, stderr *os.File
	start          time.Time
}

// Start starts c with its output captured; on Unix in a process group of
// its own, which Wait kills once c has exited (what c left behind: a
// stand-in gcloud's sleep, a daemon a script started). The output goes to
// temp files, not pipes, so that Wait returns when c exits even if what it
// left behind holds them open.
func Start(c *exec.Cmd) (*Proc, error) {
	p := &Proc{Cmd: c, script: script(c.Args)}
	var err error
	if p.stdout, err = os.CreateTemp("", "dcg-stdout-"); err != nil {
		return nil, err
	}
	if p.stderr, err = os.CreateTemp("", "dcg-stderr-"); err != nil {
		p.close()
		return nil, err
	}
	c.Stdout, c.Stderr = p.stdout, p.stderr
	ownGroup(c)
	p.start = time.Now()
	if err := c.Start(); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *Proc) close() {
	for _, f := range []*os.File{p.stdout, p.stderr} {
		if f != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}
}

// output is what the process wrote to f.
func output(f *os.File) string {
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return fmt.Sprintf("(output lost: %v)", err)
	}
	return string(b)
}

// Run runs c to completion.
func Run(c *exec.Cmd) Result {
	p, err := Start(c)
	if err != nil {
		return Result{Script: script(c.Args), Err: err, Code: -1}
	}
	return p.Wait()
}

func script(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return strings.Join(append([]string{filepath.Base(args[0])}, args[1:]...), " ")
}

// Wait waits for p and returns what it did.
func (p *Proc) Wait() Result {
	err := p.Cmd.Wait()
	elapsed := time.Since(p.start)
	killGroup(p.Cmd)
	r := Result{Script: p.script, Stdout: output(p.stdout), Stderr: output(p.stderr), Err: err, Elapsed: elapsed}
	p.close()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
		r.Killed = signaled(ee)
	default:
		r.Code = -1
	}
	return r
}

// Kill sends SIGKILL to p alone.
func (p *Proc) Kill() { p.Cmd.Process.Kill() }
