package crashtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klaxonhq/klaxon/internal/syncbuf"
)

// Bounds of the waits on a child. They are generous: the tests must pass
// on a slow, busy machine, and they wait on events, so a passing run never
// waits this long.
const (
	readyTimeout = 60 * time.Second
	exitTimeout  = 30 * time.Second
)

// child is one `klaxon serve` process.
type child struct {
	t      *testing.T
	name   string // "klaxon #2", for messages
	url    string // http://127.0.0.1:port
	cmd    *exec.Cmd
	output *syncbuf.Buffer // stdout and stderr
	done   chan struct{}   // closed once the process has exited and been reaped
	state  *exitStatus     // how it exited; set before done is closed
}

// exitStatus is how a child ended.
type exitStatus struct {
	code   int    // -1 when killed by a signal
	signal string // the signal that killed it, if one did
}

// startChild runs `klaxon serve --config config` and returns once it
// answers /healthz at url. The child is killed when the test ends, and its
// output is printed when the test has failed.
func startChild(t *testing.T, name, config, url string) (*child, error) {
	t.Helper()
	c := &child{t: t, name: name, url: url, output: &syncbuf.Buffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(klaxonBin, "serve", "--config", config)
	c.cmd.Stdout, c.cmd.Stderr = c.output, c.output
	c.cmd.SysProcAttr = sysProcAttr()
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go c.reap()
	t.Cleanup(c.cleanup)
	if err := c.awaitReady(); err != nil {
		c.kill()
		return nil, err
	}
	return c, nil
}

// reap waits for the process and records how it ended.
func (c *child) reap() {
	err := c.cmd.Wait()
	st := &exitStatus{code: c.cmd.ProcessState.ExitCode()}
	if ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		st.signal = ws.Signal().String()
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		st.signal = "wait: " + err.Error()
	}
	c.state = st
	close(c.done)
}

// awaitReady polls /healthz until it answers 200, the child exits or
// readyTimeout passes.
func (c *child) awaitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	for {
		if healthy(ctx, c.url) {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited before it answered (%s):\n%s", c.name, c.state, c.output)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer /healthz within %s:\n%s", c.name, readyTimeout, c.output)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func healthy(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/healthz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// kill kills the child with SIGKILL, as a crash or the OOM killer would,
// and waits until it is gone.
func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// terminate sends SIGTERM, as an orchestrator stopping it would.
func (c *child) terminate() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatalf("SIGTERM %s: %v", c.name, err)
	}
}

// wait waits up to d for the child to exit and returns how it did.
func (c *child) wait(d time.Duration) (*exitStatus, bool) {
	select {
	case <-c.done:
		return c.state, true
	case <-time.After(d):
		return nil, false
	}
}

// cleanup kills a child still running at the end of its test, fails the
// test when the race detector reported a race in it, and prints the
// child's output when the test has failed.
func (c *child) cleanup() {
	c.kill()
	out := c.output.String()
	if strings.Contains(out, "WARNING: DATA RACE") {
		c.t.Errorf("%s: the race detector found a data race", c.name)
	}
	if c.t.Failed() {
		c.t.Logf("output of %s (%s):\n%s", c.name, c.state, out)
	}
}

func (s *exitStatus) String() string {
	switch {
	case s == nil:
		return "running"
	case s.signal != "":
		return "killed by " + s.signal
	}
	return fmt.Sprintf("exit status %d", s.code)
}
