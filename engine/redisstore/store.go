// Package redisstore is the engine.Store kept in Redis, for running any
// number of Klaxon replicas against one Redis (standalone, Sentinel or
// Cluster). It behaves as the embedded store does, transition for
// transition: every transition is one Lua script (lua/*.lua), so it is
// atomic in Redis and two replicas never page twice nor lose an ack.
//
// # Addresses
//
// Options.URL takes one of:
//
//	redis://[user:password@]host:port[/db][?dial_timeout=1s&read_timeout=2s...]
//	rediss://...                          the same over TLS
//	redis+sentinel://[user:password@]sentinel:26379[/db]?master_name=mymaster[&addr=sentinel2:26379...]
//	rediss+sentinel://...                 the same over TLS
//	redis+cluster://[user:password@]node:6379[?addr=node2:6379...]
//	rediss+cluster://...                  the same over TLS
//
// The query options are go-redis's (redis.ParseURL, ParseFailoverURL and
// ParseClusterURL): timeouts, pool sizes, retries. Without pool_size a
// pool (per node) has room for 128 connections, or go-redis's 10 per CPU
// when that is more, so that the engine's workers and the webhooks do not
// queue for one. For
// Sentinel the URL's user and password are the sentinels'; the master's
// are the username and password query options. Options.Client, when set,
// is used instead.
//
// # Keys
//
// Every key of a deployment starts with the hash tag {prefix} (keys.go
// names them all), so every key is in one cluster slot and each script can
// touch all it needs. On Redis Cluster the store therefore lives on one
// shard: Cluster gives it failover, not write scaling. Run several
// deployments (prefixes) to spread the load.
//
// Timers are a hash of records plus TimerShards sorted sets scored by when
// each timer can next run (Unix milliseconds with the microseconds as a
// fraction: its due time, or its lease end while claimed), a timer's shard
// chosen by a hash of its ID. Scores are rounded up to the microsecond, so
// ClaimDue never claims a timer before its time and NextDue may be up to a
// microsecond later than the timer's own time. A completion that claims
// (CompleteAndClaim) does so in its own script, for the timers it creates
// or brings forward scored at or before now rounded up, so that a timer it
// makes due at now is claimed with it: a later step's page is claimed by
// its escalation's completion, with no script (and no fsync) of its own. A
// new incident's first step runs in the ingest's script itself
// (IngestAndEscalate), which claims the step's pages. The shard count is
// fixed when the deployment is created. Events are listed, and old
// incidents and events purged, by times kept to the millisecond, rounded
// down (Purge never removes what happened in the millisecond of its
// cutoff).
//
// # Durability
//
// A transition is durable when Redis has it on disk. Run Redis with
// appendonly yes and appendfsync always: each write is fsynced before Redis
// answers, so whatever the store answered for survives a crash of Redis;
// it costs one fsync per transition (batched across clients by Redis),
// which bounds write throughput by the disk. appendfsync everysec is faster
// but may lose the last second of acknowledged writes when Redis's host
// crashes; RDB snapshots alone lose everything since the last snapshot.
// With replicas, a failover may lose writes not yet replicated.
package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/klaxonhq/klaxon/engine"
)

// Options configure the Redis store.
type Options struct {
	// URL addresses Redis in one of the forms of the package comment.
	URL string
	// Client, when set, is used instead of URL. The caller keeps it: Close
	// leaves it open.
	Client redis.UniversalClient
	// Prefix names the deployment: the hash tag of all its keys (default
	// "klaxon").
	Prefix string
	// IncidentPrefix starts every incident key (default "INC").
	IncidentPrefix string
	// TimerShards is how many sorted sets hold the timers. It is fixed when
	// the deployment is created (default 16); 0 takes the deployment's, and
	// another number than the deployment's is an error.
	TimerShards int
	// CountEvery is how often the duplicates counted in memory are added to
	// Redis (default 1s; see FlushCounts).
	CountEvery time.Duration
}

// defaultShards is the number of timer shards of a new deployment.
const defaultShards = 16

// Store is the Redis engine.Store. It is safe for concurrent use, and any
// number of Stores (in any number of processes) may share one deployment.
type Store struct {
	rdb        redis.UniversalClient
	ownsClient bool
	keys       keys
	incPrefix  string
	scriptKeys []string
	head       []any
	nextShard  atomic.Uint64 // the shard ClaimDue visits first, in turn
	dups       *duplicates
}

var _ engine.Store = (*Store)(nil)

// Open connects to Redis and opens the deployment named by opts.Prefix,
// creating it on first use. Redis must be reachable: the error then wraps
// engine.ErrUnavailable.
func Open(ctx context.Context, opts Options) (*Store, error) {
	rdb, owns := opts.Client, false
	if rdb == nil {
		var err error
		if rdb, err = newClient(opts.URL); err != nil {
			return nil, err
		}
		owns = true
	}
	s, err := open(ctx, rdb, opts)
	if err != nil {
		if owns {
			rdb.Close()
		}
		return nil, err
	}
	s.ownsClient = owns
	return s, nil
}

func open(ctx context.Context, rdb redis.UniversalClient, opts Options) (*Store, error) {
	prefix := cmp.Or(opts.Prefix, "klaxon")
	k, err := newKeys(prefix, 0)
	if err != nil {
		return nil, err
	}
	if err := claimLayout(ctx, rdb, k); err != nil {
		return nil, err
	}
	shards, err := deploymentShards(ctx, rdb, k, opts.TimerShards)
	if err != nil {
		return nil, err
	}
	k.shards = shards
	s := &Store{rdb: rdb, keys: k, incPrefix: cmp.Or(opts.IncidentPrefix, "INC"), scriptKeys: k.scriptKeys()}
	s.head = append(k.scriptPrefixes(), engine.EscalationTimerID(""), engine.ResolvedTimerID(""))
	s.nextShard.Store(rand.Uint64())
	s.dups = newDuplicates(cmp.Or(opts.CountEvery, time.Second))
	go s.flushEvery()
	return s, nil
}

// storeLayout numbers the way this version writes a deployment: 2 keeps a
// large incident's alert IDs in several arrays and a hash (common.lua).
// Open refuses a deployment a later layout wrote, whose keys it might
// misread, and marks the deployments it opens with its own.
const storeLayout = 2

// claimLayoutScript marks a deployment's meta hash with layout ARGV[1]
// unless it holds a later one, and returns the layout it held (0: none).
var claimLayoutScript = redis.NewScript(`
local have = tonumber(redis.call('HGET', KEYS[1], 'layout') or '0')
if have < tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'layout', ARGV[1])
end
return have`)

// claimLayout refuses a deployment written in a later layout than
// storeLayout, changing nothing, and marks any other with storeLayout.
func claimLayout(ctx context.Context, rdb redis.UniversalClient, k keys) error {
	have, err := claimLayoutScript.Run(ctx, rdb, []string{k.meta()}, storeLayout).Int()
	if err != nil {
		return wrap("open deployment", err)
	}
	if have > storeLayout {
		return fmt.Errorf("deployment %s is in layout %d, written by a later Klaxon; this one reads layouts up to %d", k.tag, have, storeLayout)
	}
	return nil
}

// deploymentShards returns the deployment's number of timer shards, fixing
// it to want (or the default) when the deployment is new.
func deploymentShards(ctx context.Context, rdb redis.UniversalClient, k keys, want int) (int, error) {
	if want < 0 {
		return 0, fmt.Errorf("timer shards %d is negative", want)
	}
	if err := rdb.HSetNX(ctx, k.meta(), "timer_shards", cmp.Or(want, defaultShards)).Err(); err != nil {
		return 0, wrap("open deployment", err)
	}
	v, err := rdb.HGet(ctx, k.meta(), "timer_shards").Result()
	if err != nil {
		return 0, wrap("open deployment", err)
	}
	have, err := strconv.Atoi(v)
	if err != nil || have < 1 {
		return 0, fmt.Errorf("deployment %s has a bad timer shard count %q", k.tag, v)
	}
	if want != 0 && want != have {
		return 0, fmt.Errorf("timer shards %d differ from the %d deployment %s was created with", want, have, k.tag)
	}
	return have, nil
}

// Close adds the duplicates counted in memory to Redis, and closes the
// client the store opened; a client given in Options is left open.
func (s *Store) Close() error {
	err := s.dups.stopFlushing()
	if !s.ownsClient {
		return err
	}
	if cerr := s.rdb.Close(); cerr != nil && !errors.Is(cerr, redis.ErrClosed) {
		return errors.Join(err, fmt.Errorf("close redis client: %w", cerr))
	}
	return err
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return wrap("ping", err)
	}
	return nil
}
