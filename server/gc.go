package server

import "github.com/klaxonhq/klaxon/internal/gcpace"

// heapFloor is how far Klaxon's heap may grow between garbage collections,
// at least: a few seconds of allocation at full load.
const heapFloor = 128 << 20

// PaceGC paces the garbage collector for the process, as klaxon serve does
// (gcpace), until stop is called. GOGC or GOMEMLIMIT in the environment
// turn it off.
func PaceGC() (stop func()) { return gcpace.Start(heapFloor, nil).Stop }
