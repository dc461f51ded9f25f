package target

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// alertmanagerConfig routes every alert to a receiver that notifies
// nobody, grouped by alertname as Klaxon's bench services are. The
// receiver is named after the instance's directory (%[1]q), so that ready
// can tell this Alertmanager from another that took the port found free.
const alertmanagerConfig = `route:
  receiver: %[1]q
  group_by: [alertname]
receivers:
  - name: %[1]q
`

// minAlertmanager is the oldest Alertmanager the SPEC's anchors name.
var minAlertmanager = [2]int{0, 25}

// Alertmanager is a Prometheus Alertmanager the bench started: one
// instance, no clustering, a null receiver.
type Alertmanager struct {
	url  string
	dir  string
	proc *process
}

// InstallAlertmanager returns the path and version of Alertmanager,
// installing the Debian package prometheus-alertmanager when it is
// missing. An Alertmanager older than v0.25 is an error.
func InstallAlertmanager(ctx context.Context, log func(string)) (bin, version string, err error) {
	bin, err = ensureInstalled(ctx, "prometheus-alertmanager", "prometheus-alertmanager", log)
	if err != nil {
		return "", "", err
	}
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	if err != nil {
		return "", "", fmt.Errorf("%s --version: %w", bin, err)
	}
	version, err = parseVersion(string(out))
	if err != nil {
		return "", "", fmt.Errorf("%s --version: %w", bin, err)
	}
	return bin, version, nil
}

var versionRE = regexp.MustCompile(`version (\d+)\.(\d+)\.(\d+)`)

// parseVersion finds the version in Alertmanager's --version output and
// checks it is v0.25 or later.
func parseVersion(out string) (string, error) {
	m := versionRE.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("no version in %q", out)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	v := m[1] + "." + m[2] + "." + m[3]
	if major < minAlertmanager[0] || (major == minAlertmanager[0] && minor < minAlertmanager[1]) {
		return "", fmt.Errorf("Alertmanager %s is older than v0.25, the SPEC's anchor", v)
	}
	return v, nil
}

// StartAlertmanager starts the Alertmanager at bin on a free loopback port,
// its configuration and storage in dir, with gossip off.
func StartAlertmanager(ctx context.Context, bin, dir string) (*Alertmanager, error) {
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(alertmanagerConfig, dir)), 0o644); err != nil {
		return nil, err
	}
	var err error
	for range startTries {
		var a *Alertmanager
		if a, err = launchAlertmanager(ctx, bin, dir, cfgPath); err == nil || ctx.Err() != nil {
			return a, err
		}
	}
	return nil, err
}

// launchAlertmanager starts Alertmanager on a port found free and waits
// until it is ready.
func launchAlertmanager(ctx context.Context, bin, dir, cfgPath string) (*Alertmanager, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	args := []string{"--config.file=" + cfgPath, "--storage.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr, "--cluster.listen-address=", "--log.level=warn"}
	proc, err := startProcess(bin, args, filepath.Join(dir, "alertmanager.log"))
	if err != nil {
		return nil, err
	}
	a := &Alertmanager{url: "http://" + addr, proc: proc, dir: dir}
	if err := proc.awaitReady(ctx, a.ready); err != nil {
		proc.stop()
		return nil, err
	}
	return a, nil
}

// URL is Alertmanager's base URL.
func (a *Alertmanager) URL() string { return a.url }

// AlertsURL is where alerts are posted: POST /api/v2/alerts.
func (a *Alertmanager) AlertsURL() string { return a.url + "/api/v2/alerts" }

// PID is Alertmanager's process id.
func (a *Alertmanager) PID() int { return a.proc.pid() }

// Stop stops Alertmanager and waits for it to exit.
func (a *Alertmanager) Stop() { a.proc.stop() }

// ready checks that the Alertmanager answering is this one, by the
// directory its configuration names, and that it is ready.
func (a *Alertmanager) ready(ctx context.Context) error {
	status, err := get(ctx, a.url+"/api/v2/status")
	if err != nil {
		return err
	}
	if !strings.Contains(status, a.dir) {
		return fmt.Errorf("the Alertmanager on %s is not ours", a.url)
	}
	_, err = get(ctx, a.url+"/-/ready")
	return err
}

// HeapInuse collects Alertmanager's garbage (through its pprof handler's
// gc=1) and returns its go_memstats_heap_inuse_bytes.
func (a *Alertmanager) HeapInuse(ctx context.Context) (float64, error) {
	if _, err := get(ctx, a.url+"/debug/pprof/heap?gc=1"); err != nil {
		return 0, fmt.Errorf("collect Alertmanager's garbage: %w", err)
	}
	metrics, err := get(ctx, a.url+"/metrics")
	if err != nil {
		return 0, err
	}
	return metricValue(metrics, "go_memstats_heap_inuse_bytes")
}

// WaitGroups waits until Alertmanager's dispatcher holds at least n
// aggregation groups, or timeout passes, and returns how many it holds.
func (a *Alertmanager) WaitGroups(ctx context.Context, n int, timeout time.Duration) int {
	deadline := time.Now().Add(timeout)
	for {
		groups := -1.0
		if metrics, err := get(ctx, a.url+"/metrics"); err == nil {
			groups, _ = metricValue(metrics, "alertmanager_dispatcher_aggregation_groups")
		}
		if int(groups) >= n || time.Now().After(deadline) || ctx.Err() != nil {
			return int(groups)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metricValue finds an unlabelled sample in Prometheus text exposition.
func metricValue(text, name string) (float64, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("metric %s not found", name)
}

// get fetches url and returns its body; a status other than 200 is an error.
func get(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}
