package redistest

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"testing"
)

// One server per test package: started by the first test that asks for it,
// stopped by Main when every test has run.
var shared struct {
	mu     sync.Mutex
	inMain bool
	dir    string
	srv    *Server
	err    error
}

// Main runs a test package that shares one server among its tests and stops
// that server at the end. Call it from TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	shared.mu.Lock()
	shared.inMain = true
	shared.mu.Unlock()
	code := m.Run()
	shared.mu.Lock()
	if shared.srv != nil {
		if err := shared.srv.stop(syscall.SIGTERM); err != nil {
			fmt.Fprintln(os.Stderr, "redistest:", err)
		}
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	shared.mu.Unlock()
	os.Exit(code)
}

// Shared returns the package's shared server, starting it on first use. It
// runs without the append-only file, and tests that share it must keep their
// keys apart (a key prefix per test) or call FlushAll: tests that stop or
// restart a server start their own with Start. The package must call Main
// from TestMain.
func Shared(tb testing.TB) *Server {
	tb.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.inMain {
		tb.Fatal("redistest: Shared needs redistest.Main called from the package's TestMain")
	}
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = startShared()
	}
	if shared.err != nil {
		tb.Fatalf("redistest: %v", shared.err)
	}
	return &Server{tb: tb, cfg: shared.srv.cfg, dir: shared.srv.dir, port: shared.srv.port, shared: true}
}

func startShared() (*Server, error) {
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	shared.dir = dir
	return start(dir, []Option{WithoutAOF()})
}
