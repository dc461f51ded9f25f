package crashtest

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// klaxonBin is the binary built from cmd/klaxon for this run; "" when the
// tests are skipped (-short).
var klaxonBin string

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

// runTests builds the binary once for every test, runs them and removes it.
func runTests(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "klaxon-crashtest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "klaxon")
	if err := build(bin); err != nil {
		fmt.Fprintln(os.Stderr, "crashtest:", err)
		return 1
	}
	klaxonBin = bin
	return m.Run()
}

// build compiles cmd/klaxon to bin, with the race detector when the tests
// have it.
func build(bin string) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("the go command is not on PATH: %w", err)
	}
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, "github.com/klaxonhq/klaxon/cmd/klaxon")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build cmd/klaxon: %w\n%s", err, out)
	}
	return nil
}

// needBinary skips the test when the binary was not built (-short).
func needBinary(t *testing.T) {
	t.Helper()
	if klaxonBin == "" {
		t.Skip("crash tests run the real binary; skipped with -short")
	}
}
