package receivers

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The generations themselves are internal/recent's; here, that they are
// counted in bytes of JSON and that long JSON is not kept.
func TestAlertCacheKeepsAboutTwoGenerationsOfJSON(t *testing.T) {
	c := newAlertCache(10, 8)
	alert := func(fp string) amAlert { return amAlert{Fingerprint: fp} }
	c.put([]byte("aaaa"), alert("a"))
	c.put([]byte("bbbb"), alert("b"))
	c.put([]byte("cccc"), alert("c")) // 12 bytes: a and b become the previous generation
	got, ok := c.get([]byte("aaaa"))  // and a, read again, the current one's
	require.True(t, ok, "an alert of the previous generation is kept")
	assert.Equal(t, "a", got.Fingerprint)

	c.put([]byte("dddd"), alert("d")) // c and a are now the previous generation
	c.put([]byte("eeee"), alert("e")) // d and e current, b dropped
	_, ok = c.get([]byte("bbbb"))
	assert.False(t, ok, "an alert two generations old is dropped")

	c.put([]byte("12345678"), alert("longest"))
	c.put([]byte("123456789"), alert("long"))
	_, ok = c.get([]byte("12345678"))
	assert.True(t, ok, "JSON as long as the longest kept is kept")
	_, ok = c.get([]byte("123456789"))
	assert.False(t, ok, "JSON longer than the longest kept is not kept")
}

func TestAlertmanagerAlertReadAgainIsTakenFromTheRecentOnes(t *testing.T) {
	const alert = `{"status":"firing","labels":{"alertname":"Recent","instance":"db-1"},"annotations":{"summary":"s"},"fingerprint":"recent1"}`
	first, again, changed := new(amDecoded), new(amDecoded), new(amDecoded)
	require.True(t, readAM([]byte(amShape(alert)), first))
	// The same alert in another webhook, another Alertmanager's of a pair.
	require.True(t, readAM([]byte(`{"version":"4","externalURL":"http://am-2","alerts":[`+alert+`]}`), again))
	require.True(t, readAM([]byte(amShape(strings.Replace(alert, "recent1", "recent2", 1))), changed))

	same := func(a, b map[string]string) bool { return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() }
	assert.Equal(t, first.Alerts.list, again.Alerts.list)
	assert.True(t, same(first.Alerts.list[0].Labels, again.Alerts.list[0].Labels), "the alert read again is the one read first")
	assert.Equal(t, "recent2", changed.Alerts.list[0].Fingerprint)
	assert.False(t, same(first.Alerts.list[0].Labels, changed.Alerts.list[0].Labels), "an alert changed by a byte is read anew")
}
