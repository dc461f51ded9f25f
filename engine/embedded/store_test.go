package embedded_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/engine/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		Open: func(t *testing.T) engine.Store {
			dir := t.TempDir()
			s, err := embedded.Open(dir, embedded.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { s.Close() })
			return &reopenable{Store: s, dir: dir}
		},
		Reopen: func(t *testing.T, s engine.Store) engine.Store {
			r := s.(*reopenable)
			require.NoError(t, r.Close())
			again, err := embedded.Open(r.dir, embedded.Options{})
			require.NoError(t, err)
			t.Cleanup(func() { again.Close() })
			return again
		},
	})
}

// reopenable remembers a store's directory.
type reopenable struct {
	*embedded.Store
	dir string
}
