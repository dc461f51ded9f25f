package redisstore

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// An incident's arrays of alert IDs come back in order whatever order the
// hash gives its fields in; one missing is refused.
func TestAlertIDArraysAreJoinedInOrder(t *testing.T) {
	var inc engine.Incident
	require.NoError(t, setFields(&inc, []string{"alerts:2", `["e"]`, "number", "7", "alert_chunks", "3",
		"alerts", `["a","b"]`, "alerts:1", `["c","d"]`}))
	assert.Equal(t, []string{"a", "b", "c", "d", "e"}, inc.Alerts)
	assert.Equal(t, int64(7), inc.Number)

	var one engine.Incident
	require.NoError(t, setFields(&one, []string{"alerts", `["a"]`}))
	assert.Equal(t, []string{"a"}, one.Alerts, "an incident stored before the arrays were split")

	err := setFields(&inc, []string{"alert_chunks", "3", "alerts", `["a"]`, "alerts:2", `["c"]`})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "alert IDs")
	for _, bad := range [][]string{{"alerts:x", `["a"]`}, {"alerts:0", `["a"]`}, {"alert_chunks", "0"}, {"alerts", `{}`},
		{"alerts:1", `["b"]`}} {
		assert.Error(t, setFields(&engine.Incident{}, bad), bad[0])
	}
}
