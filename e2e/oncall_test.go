package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOnCallEndpoint(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		get := func(query string) (int, map[string]any) {
			req, err := http.NewRequest(http.MethodGet, h.http.URL+"/v1/oncall"+query, nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+apiToken)
			return h.do(req)
		}
		status, out := get("?at=2026-11-23T14:00:00Z") // Monday 09:00 in New York: Bob's week starts
		require.Equal(t, http.StatusOK, status)
		raw, err := json.Marshal(out["rotations"])
		require.NoError(t, err)
		var rotations []struct {
			Rotation string
			TimeZone string `json:"time_zone"`
			Person   *struct{ ID, Name string }
			Why      string
			Next     []struct{ Local, UTC string } `json:"next_handoffs"`
		}
		require.NoError(t, json.Unmarshal(raw, &rotations))
		require.Len(t, rotations, 2)
		assert.Equal(t, "payments/primary", rotations[0].Rotation)
		assert.Equal(t, "America/New_York", rotations[0].TimeZone)
		assert.Equal(t, "bob", rotations[0].Person.ID)
		assert.Equal(t, "schedule", rotations[0].Why)
		require.Len(t, rotations[0].Next, 2)
		assert.Equal(t, "2026-11-30T09:00:00-05:00", rotations[0].Next[0].Local)
		assert.Equal(t, "2026-11-30T14:00:00Z", rotations[0].Next[0].UTC)

		// Without at, the answer is for now on the server's clock: Alice's week.
		status, out = get("")
		require.Equal(t, http.StatusOK, status)
		assert.Equal(t, "2026-11-22T12:00:00Z", out["at"])

		status, out = get("?at=tomorrow")
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, out["error"], "at:")
	})
}
