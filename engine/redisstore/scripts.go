package redisstore

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/klaxonhq/klaxon/engine"
)

//go:embed lua/*.lua
var luaFiles embed.FS

// The store's scripts: one per transition, and the reads that must see one
// consistent state. Each is lua/common.lua followed by its own file.
var (
	scriptIngest        = loadScript("ingest.lua")
	scriptAcknowledge   = loadScript("acknowledge.lua")
	scriptResolve       = loadScript("resolve.lua")
	scriptClaimDue      = loadScript("claim_due.lua")
	scriptComplete      = loadScript("complete.lua")
	scriptReadIncident  = loadScript("read_incident.lua")
	scriptListIncidents = loadScript("list_incidents.lua")
	scriptNextDue       = loadScript("next_due.lua")
	scriptEscalate      = loadScript("escalate.lua")
	scriptAddNote       = loadScript("add_note.lua")
	scriptPurge         = loadScript("purge.lua")
	scriptReadAlert     = loadScript("read_alert.lua")
	scriptListAlerts    = loadScript("list_alerts.lua")
	scriptDuplicates    = loadScript("duplicates.lua")
	scriptAddCounts     = loadScript("add_counts.lua")
)

func loadScript(name string) *redis.Script {
	return redis.NewScript(mustRead("common.lua") + "\n" + mustRead(name))
}

func mustRead(name string) string {
	b, err := luaFiles.ReadFile("lua/" + name)
	if err != nil {
		panic(fmt.Sprintf("redisstore: embedded script %s: %v", name, err))
	}
	return string(b)
}

// run runs a script with the store's keys and the common head of arguments
// (EVALSHA, and EVAL when Redis does not have the script yet). A script
// answering nil is not an error: the result is then nil.
func (s *Store) run(ctx context.Context, script *redis.Script, op string, args ...any) (any, error) {
	argv := make([]any, 0, len(s.head)+len(args))
	argv = append(append(argv, s.head...), args...)
	v, err := script.Run(ctx, s.rdb, s.scriptKeys, argv...).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return v, nil
}

// wrap adds context to a Redis error, marking those that mean Redis cannot
// serve now with engine.ErrUnavailable.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("%s: %w: %w", op, engine.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// unavailable reports whether err means Redis cannot be reached or cannot
// serve for now: every failure that is not an answer from Redis (network,
// timeout, closed client, cancelled context), and the answers of a server
// that is loading, failing over, out of memory or busy.
func unavailable(err error) bool {
	var answer redis.Error
	if !errors.As(err, &answer) {
		return true
	}
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsMasterDownError(err) || redis.IsMaxClientsError(err) ||
		redis.IsNoReplicasError(err) || redis.IsOOMError(err) || redis.HasErrorPrefix(err, "BUSY")
}
