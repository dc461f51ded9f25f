// Package target starts and stops what the bench measures: Klaxon in the
// bench's own process (embedded or Redis store), redis-server and Prometheus
// Alertmanager as child processes on free loopback ports, and a fake Twilio
// that records when it accepts each message. Every Start has a Stop that
// kills what it started; children are also killed by the kernel if the
// bench dies.
package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// stopTimeout bounds how long a child may take to exit after SIGTERM
// before it is killed.
const stopTimeout = 10 * time.Second

// startTries is how many free ports a child is started on before giving
// up: another process may take a port between its being found free and
// the child binding it.
const startTries = 3

// readyTimeout bounds how long a child may take to start answering.
const readyTimeout = 30 * time.Second

// process is one child process and its log file.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the child has exited and been reaped
}

// startProcess runs bin with args, its output to logPath.
func startProcess(bin string, args []string, logPath string) (*process, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", logPath, err)
	}
	defer logFile.Close() // the child holds its own descriptor
	p := &process{name: filepath.Base(bin), logPath: logPath, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGTERM, waits for the child to exit, and kills it when it
// takes longer than stopTimeout. Stopping an exited child does nothing.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// pid is the child's process id.
func (p *process) pid() int { return p.cmd.Process.Pid }

// logTail returns the end of the child's log, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	const keep = 2000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return strings.TrimSpace(string(b))
}

// awaitReady calls ready until it succeeds, the child exits, ctx ends or
// readyTimeout passes.
func (p *process) awaitReady(ctx context.Context, ready func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err := ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready:\n%s", p.name, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last: %v)\n%s", p.name, ctx.Err(), err, p.logTail())
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ensureInstalled returns the path of bin, installing the Debian package
// pkg with apt-get (after apt-get update) when bin is not on PATH.
func ensureInstalled(ctx context.Context, bin, pkg string, log func(string)) (string, error) {
	if path, err := exec.LookPath(bin); err == nil {
		return path, nil
	}
	log(fmt.Sprintf("%s not found: installing the Debian package %s", bin, pkg))
	sudo := []string{}
	if os.Geteuid() != 0 {
		sudo = []string{"sudo"}
	}
	steps := [][]string{
		append(append([]string{}, sudo...), "apt-get", "update", "-qq"),
		append(append([]string{}, sudo...), "apt-get", "install", "-y", "-qq", "--no-install-recommends", pkg),
	}
	for _, argv := range steps {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, out)
		}
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", errors.New(pkg + " installed, but " + bin + " is still not on PATH")
	}
	return path, nil
}
