package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/engine"
)

// writeRoster replaces the harness's roster file.
func (h *harness) writeRoster(content string) {
	h.t.Helper()
	require.NoError(h.t, os.WriteFile(filepath.Join(h.dir, "rosters", "payments.yaml"), []byte(content), 0o644))
}

// rewriteConfig replaces the harness's klaxon.yaml.
func (h *harness) rewriteConfig(cfg string) {
	h.t.Helper()
	cfg = strings.Replace(cfg, "SMTP_PORT", strconv.Itoa(h.smtp.Port()), 1)
	require.NoError(h.t, os.WriteFile(filepath.Join(h.dir, "klaxon.yaml"), []byte(cfg), 0o644))
}

func (h *harness) reload() error {
	return h.srv.Reload(filepath.Join(h.dir, "klaxon.yaml"))
}

func TestReloadPutsValidRostersInForceAndKeepsEscalating(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")

		// Dave replaces Carol in the secondary rotation.
		h.writeRoster(strings.Replace(rosterYAML, "members: [carol]", "members: [dave]", 1))
		require.NoError(t, h.reload())

		h.advance(5 * time.Minute)
		h.phone(davePhone).expectSMS("INC-1")
		h.phone(carolPhone).expectNoSMS()
	})
}

func TestReloadRefusesInvalidRostersAndKeepsTheOldOnes(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		h.writeRoster(strings.Replace(rosterYAML, "members: [carol]", "members: [zed]", 1))
		err := h.reload()
		require.Error(t, err)
		assert.Contains(t, err.Error(), `payments.yaml:`)
		assert.Contains(t, err.Error(), `unknown person "zed"`)

		h.sendAlerts(firing("HighErrorRate", "fp1"))
		h.tick()
		h.phone(alicePhone).expectSMS("INC-1")
		h.advance(5 * time.Minute)
		h.phone(carolPhone).expectSMS("INC-1")
	})
}

func TestReloadReplacesTokens(t *testing.T) {
	onEachStore(t, func(t *testing.T, h *harness) {
		cfg, err := os.ReadFile(filepath.Join(h.dir, "klaxon.yaml"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(h.dir, "klaxon.yaml"),
			[]byte(strings.Replace(string(cfg), "token: "+amToken, "token: am-token-2", 1)), 0o644))
		require.NoError(t, h.reload())

		status, _ := h.post("/v1/alerts/alertmanager", amToken, webhook(firing("HighErrorRate", "fp1")))
		assert.Equal(t, 401, status, "the old token no longer works")
		status, _ = h.post("/v1/alerts/alertmanager", "am-token-2", webhook(firing("HighErrorRate", "fp1")))
		assert.Equal(t, 200, status)
		assert.Equal(t, engine.StateTriggered, h.incident("INC-1").State)
	})
}
