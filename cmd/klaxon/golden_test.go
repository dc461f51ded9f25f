package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestOnCallGolden(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"oncall", "--config", "../../examples/klaxon.yaml", "--at", "2026-11-22T12:00:00Z"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	golden(t, "oncall.golden", out.String())
}

func TestOnCallForOneTeam(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"oncall", "--config", "../../examples/klaxon.yaml", "--team", "sre", "--at", "2026-11-22 12:00"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	golden(t, "oncall-sre.golden", out.String())
}

func TestCheckGoldenOnBrokenRosters(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", "--config", "testdata/broken/klaxon.yaml"}, &out, &errOut)
	assert.Equal(t, 1, code)
	golden(t, "check-broken.golden", errOut.String())
}
