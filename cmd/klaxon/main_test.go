package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckAcceptsTheExamples(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", "--config", "../../examples/klaxon.yaml"}, &out, &errOut)
	assert.Equal(t, 0, code, errOut.String())
	assert.Contains(t, out.String(), "ok")
}

func TestCheckReportsEveryProblemWithItsLine(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "rosters"), 0o755))
	cfg := "listen: \":8080\"\nrosters: ./rosters\nclassify:\n  - match: '{severity=~\"('\n    priority: P9\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "klaxon.yaml"), []byte(cfg), 0o644))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", "--config", filepath.Join(dir, "klaxon.yaml")}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), "klaxon.yaml:4:")
	assert.Contains(t, errOut.String(), "klaxon.yaml:5:")
}

func TestServeRefusesAnInvalidConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "klaxon.yaml"), []byte("listen_addr: x\n"), 0o644))
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"serve", "--config", filepath.Join(dir, "klaxon.yaml")}, &out, &errOut)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut.String(), `klaxon.yaml:1: unknown field "listen_addr"`)
}

func TestUnknownCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), []string{"frobnicate"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "usage")
}
