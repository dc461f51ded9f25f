package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/klaxonhq/klaxon/bench/payload"
	"github.com/klaxonhq/klaxon/bench/target"
	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/engine/embedded"
	"github.com/klaxonhq/klaxon/engine/redisstore"
	"github.com/klaxonhq/klaxon/receivers"
	"github.com/klaxonhq/klaxon/rosters"
	"github.com/klaxonhq/klaxon/server"
)

// directStore is a Klaxon store the bench opened itself, without a server,
// for the scenarios that fill a store faster than HTTP would or hold state
// still while measuring it: timers and memory. It turns bench alerts into
// what the store ingests the way Klaxon does: the Alertmanager receiver,
// then the classifier and the service's grouping.
type directStore struct {
	engine.Store
	kind       string
	dir        string
	redis      *target.Redis
	rosters    *rosters.Set
	classifier *engine.Classifier
	service    rosters.Service
}

// openStore opens a fresh store of kind (embedded, or Redis on a
// redis-server it starts) with the bench's configuration and roster.
func (b *bench) openStore(ctx context.Context, kind string) (*directStore, error) {
	dir, err := b.newDir("store-" + kind)
	if err != nil {
		return nil, err
	}
	s := &directStore{kind: kind, dir: dir}
	if err := s.loadConfig(); err != nil {
		return nil, err
	}
	if kind == "redis" {
		if s.redis, err = target.StartRedis(ctx, dir, b.log); err != nil {
			return nil, err
		}
		s.Store, err = redisstore.Open(ctx, redisstore.Options{URL: s.redis.URL()})
	} else {
		s.Store, err = s.openEmbedded()
	}
	if err != nil {
		s.close()
		return nil, fmt.Errorf("open %s store: %w", kind, err)
	}
	return s, nil
}

// reopen closes an embedded store and opens it again from its files, as a
// restart would: the close copies every record still held for the data
// file into it, so what was stored before starts on a store with no
// writes behind. A Redis store is left as it is. It returns how long that
// took.
func (s *directStore) reopen() (time.Duration, error) {
	if s.kind != "embedded" {
		return 0, nil
	}
	start := time.Now()
	if err := s.Store.Close(); err != nil {
		return 0, fmt.Errorf("close the embedded store: %w", err)
	}
	var err error
	if s.Store, err = s.openEmbedded(); err != nil {
		return 0, fmt.Errorf("reopen the embedded store: %w", err)
	}
	return time.Since(start), nil
}

// openEmbedded opens the embedded store in the store's data directory (a
// nil Store, not a nil *embedded.Store, when it cannot).
func (s *directStore) openEmbedded() (engine.Store, error) {
	st, err := embedded.Open(filepath.Join(s.dir, "data"), embedded.Options{})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// dataFileSize is the size of the embedded store's bbolt file.
func (s *directStore) dataFileSize() int64 {
	return fileSize(filepath.Join(s.dir, "data", "klaxon.db"))
}

// loadConfig reads the bench's klaxon.yaml and roster as Klaxon would.
func (s *directStore) loadConfig() error {
	path, err := target.WriteKlaxonConfig(s.dir, "", "http://127.0.0.1:1")
	if err != nil {
		return err
	}
	cfg, rs, err := server.Load(path)
	if err != nil {
		return err
	}
	if s.classifier, err = server.Classifier(cfg); err != nil {
		return err
	}
	svc, ok := rs.Service(target.Service)
	if !ok {
		return errors.New("the bench roster has no service " + target.Service)
	}
	s.rosters, s.service = rs, svc
	return nil
}

// close closes the store and stops its Redis.
func (s *directStore) close() {
	if s.Store != nil {
		_ = s.Store.Close()
	}
	if s.redis != nil {
		s.redis.Stop()
	}
	runtime.GC()
}

// children are the processes the store runs on: its redis-server.
func children(s *directStore) []child {
	if s.redis == nil {
		return nil
	}
	return []child{{"redis-server", s.redis.PID(), true}}
}

// classified turns alerts into what the store ingests at now, through the
// Alertmanager receiver and the classifier, as the engine does.
func (s *directStore) classified(alerts []payload.Alert, now time.Time) ([]engine.Classified, error) {
	batch, err := receivers.Alertmanager(payload.Webhook(nil, alerts))
	if err != nil {
		return nil, err
	}
	if len(batch.Rejected) > 0 {
		return nil, fmt.Errorf("the receiver rejected a bench alert: %s", batch.Rejected[0].Reason)
	}
	out := make([]engine.Classified, len(batch.Alerts))
	for i := range batch.Alerts {
		c := s.classifier.Classify(&batch.Alerts[i], target.Service, now)
		c.Integration, c.Policy = "bench-alertmanager", s.service.Policy
		c.GroupKey = engine.GroupKey(c.Service, s.service.GroupBy, c.Labels)
		out[i] = c
	}
	return out, nil
}

// ingest stores alerts at now, each alert's group opening an incident
// whose escalation timer is due at now, and returns the incidents' keys.
// An alert that opens none is an error: the bench's alerts are new.
func (s *directStore) ingest(ctx context.Context, now time.Time, alerts []payload.Alert) ([]string, error) {
	batch, err := s.classified(alerts, now)
	if err != nil {
		return nil, err
	}
	results, err := s.Ingest(ctx, now, batch)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(results))
	outcomes := map[engine.Outcome]int{}
	for _, r := range results {
		outcomes[r.Outcome]++
		if r.Outcome == engine.OutcomeOpened {
			keys = append(keys, r.Incident)
		}
	}
	if len(keys) != len(alerts) {
		return keys, fmt.Errorf("%d new alerts of their own groups opened %d incidents (outcomes %v)", len(alerts), len(keys), outcomes)
	}
	return keys, nil
}

// singles returns n alerts from number first on, each of its own group,
// so that each opens an incident.
func singles(prefix string, first, n int) []payload.Alert {
	out := make([]payload.Alert, n)
	for i := range out {
		out[i] = payload.Alert{Name: fmt.Sprintf("%s%08d", prefix, first+i), Instance: "host-0", StartsAt: payload.Start}
	}
	return out
}

// fill opens n incidents at now, in batches of batch alerts, and reports
// progress every ten seconds.
func (b *bench) fill(ctx context.Context, s *directStore, prefix string, n, batch int, now time.Time) error {
	start, last := time.Now(), time.Now()
	for done := 0; done < n; done += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		size := min(batch, n-done)
		if _, err := s.ingest(ctx, now, singles(prefix, done, size)); err != nil {
			return fmt.Errorf("ingest: %w", err)
		}
		if time.Since(last) >= 10*time.Second {
			last = time.Now()
			b.log(fmt.Sprintf("%s: %d of %d incidents opened (%.0f/s)", s.kind, done+size, n, float64(done+size)/time.Since(start).Seconds()))
		}
	}
	return nil
}
