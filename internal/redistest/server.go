// Package redistest starts real redis-server processes for tests: each on a
// free loopback port with its data in a temporary directory, stopped (and
// its process reaped) when the test or the test binary ends. A server can be
// killed and started again on the same port and directory, to test outages
// and recovery from the append-only file.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to answer PING after it is
// started, including loading its append-only file.
const startTimeout = 15 * time.Second

// stopTimeout bounds how long a server may take to exit after SIGTERM before
// it is killed.
const stopTimeout = 10 * time.Second

// Option changes how a server is started.
type Option func(*config)

type config struct {
	aof     bool
	cluster bool
}

// WithoutAOF starts the server with no persistence at all: faster, and what
// tests that never restart the server need.
func WithoutAOF() Option { return func(c *config) { c.aof = false } }

// Cluster starts the server in cluster mode as a one-node cluster that
// serves every hash slot, so that cluster clients and cluster checks on
// scripts can be tested without six processes.
func Cluster() Option { return func(c *config) { c.cluster = true } }

// Server is one redis-server process owned by a test. Its methods fail the
// test that started it on errors. Start and Stop may be called from one
// goroutine at a time.
type Server struct {
	tb   testing.TB
	cfg  config
	dir  string
	port int
	// shared marks a test's view of the package's shared server, which
	// only Main stops.
	shared bool

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
}

// Start starts a redis-server for the test tb, with the append-only file on
// and fsynced on every write unless WithoutAOF is given. The server is
// stopped when the test ends. It fails the test if redis-server is not on
// PATH or does not come up.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s, err := start(tb.TempDir(), opts)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	s.tb = tb
	tb.Cleanup(s.shutdown)
	return s
}

// start starts a server in dir on a free port, trying a few ports in case
// another process takes the one found free first.
func start(dir string, opts []Option) (*Server, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New("redis-server is not on PATH: install it (apt-get install redis-server) to run these tests")
	}
	cfg := config{aof: true}
	for _, o := range opts {
		o(&cfg)
	}
	var err error
	for range 5 {
		s := &Server{cfg: cfg, dir: dir}
		if s.port, err = freePort(); err != nil {
			return nil, err
		}
		if err = s.launch(); err == nil {
			return s, nil
		}
	}
	return nil, err
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

// args are redis-server's command line: no config file, everything here.
func (s *Server) args() []string {
	args := []string{
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--daemonize", "no", "--logfile", "",
	}
	if s.cfg.aof {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	if s.cfg.cluster {
		args = append(args, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	}
	return args
}

// launch runs redis-server and waits until it answers.
func (s *Server) launch() error {
	logFile, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open redis-server log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	p := &process{done: make(chan struct{})}
	p.cmd = exec.Command("redis-server", s.args()...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = sysProcAttr()
	if err := p.cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	if err := s.awaitReady(p); err != nil {
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("redis-server on port %d: %w\n%s", s.port, err, s.logTail())
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// awaitReady waits until the server answers PING (not LOADING) and, in
// cluster mode, serves every slot.
func (s *Server) awaitReady(p *process) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for {
		err := s.ready(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return errors.New("exited before answering")
		case <-ctx.Done():
			return fmt.Errorf("not ready after %s: %w", startTimeout, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (s *Server) ready(ctx context.Context) error {
	if err := s.do(ctx, "PING"); err != nil {
		return err
	}
	if s.cfg.cluster {
		return s.clusterReady(ctx)
	}
	return nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL is the server's address as a redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() }

// Dir is the server's data directory.
func (s *Server) Dir() string { return s.dir }

// Start starts the stopped server again on the same port and directory; with
// the append-only file on, it comes back with every write it acknowledged.
func (s *Server) Start() {
	s.tb.Helper()
	s.refuseShared("Start")
	s.mu.Lock()
	running := s.proc != nil
	s.mu.Unlock()
	if running {
		s.tb.Fatalf("redistest: server on port %d is already running", s.port)
	}
	if err := s.launch(); err != nil {
		s.tb.Fatalf("redistest: restart: %v", err)
	}
}

// Stop stops the server cleanly (SIGTERM) and waits for it to exit.
func (s *Server) Stop() {
	s.tb.Helper()
	s.refuseShared("Stop")
	if err := s.stop(syscall.SIGTERM); err != nil {
		s.tb.Fatalf("redistest: %v", err)
	}
}

// Kill kills the server (SIGKILL), as a crash would, and waits for it to exit.
func (s *Server) Kill() {
	s.tb.Helper()
	s.refuseShared("Kill")
	if err := s.stop(syscall.SIGKILL); err != nil {
		s.tb.Fatalf("redistest: %v", err)
	}
}

// stop signals the process and reaps it, killing it if SIGTERM is not
// enough. Stopping a stopped server does nothing.
func (s *Server) stop(sig syscall.Signal) error {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return nil
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("redis-server on port %d did not stop on %s; killed", s.port, sig)
	}
}

// refuseShared fails the test that tries to stop or start the shared server.
func (s *Server) refuseShared(method string) {
	s.tb.Helper()
	if s.shared {
		s.tb.Fatalf("redistest: %s on the shared server: start a server of the test's own with Start", method)
	}
}

// shutdown stops the server at the end of its test.
func (s *Server) shutdown() {
	if err := s.stop(syscall.SIGTERM); err != nil && s.tb != nil {
		s.tb.Errorf("redistest: %v", err)
	}
}

// FlushAll removes every key from the server.
func (s *Server) FlushAll() {
	s.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.do(ctx, "FLUSHALL"); err != nil {
		s.tb.Fatalf("redistest: FLUSHALL: %v", err)
	}
}

// logPath is the server's log file, kept across restarts.
func (s *Server) logPath() string { return filepath.Join(s.dir, "redis.log") }

// logTail is the end of the server's log, to explain a failed start.
func (s *Server) logTail() string {
	b, err := os.ReadFile(s.logPath())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	text := strings.TrimSpace(string(b))
	if len(text) > 4000 {
		text = "..." + text[len(text)-4000:]
	}
	return text
}
