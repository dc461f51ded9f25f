package redisstore

import (
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"github.com/redis/go-redis/v9"
)

// newClient builds a client from a redis URL in one of the forms the package
// comment lists.
func newClient(rawURL string) (redis.UniversalClient, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("redis url %q has no scheme", redact(rawURL))
	}
	base, mode, _ := strings.Cut(scheme, "+")
	if base != "redis" && base != "rediss" {
		return nil, fmt.Errorf("redis url scheme %q is not redis or rediss, optionally +sentinel or +cluster", scheme)
	}
	plain := base + "://" + rest
	switch mode {
	case "":
		return single(plain)
	case "sentinel":
		return sentinel(plain)
	case "cluster":
		return cluster(plain)
	}
	return nil, fmt.Errorf("redis url scheme %q is not redis or rediss, optionally +sentinel or +cluster", scheme)
}

// minPoolSize is the fewest connections (per node) of a client built from a
// URL that sets no pool_size. The engine runs up to 64 timers at once, each
// waiting on one script at a time, beside the webhooks being ingested; with
// go-redis's default of 10 per CPU the calls beyond it queue in the client
// for a connection, where they could instead share Redis's next fsync with
// the calls already sent (appendfsync always writes once per event loop
// turn for every client served in it).
const minPoolSize = 128

// poolSize is the pool size of a client whose URL asked for size (0: not
// set): at least minPoolSize unless the URL says otherwise.
func poolSize(size int) int {
	if size != 0 {
		return size
	}
	return max(minPoolSize, 10*runtime.GOMAXPROCS(0))
}

func single(u string) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("redis url %q: %w", redact(u), err)
	}
	opts.PoolSize = poolSize(opts.PoolSize)
	return redis.NewClient(opts), nil
}

func sentinel(u string) (redis.UniversalClient, error) {
	opts, err := redis.ParseFailoverURL(u)
	if err != nil {
		return nil, fmt.Errorf("redis sentinel url %q: %w", redact(u), err)
	}
	if opts.MasterName == "" {
		return nil, fmt.Errorf("redis sentinel url %q: master_name is missing", redact(u))
	}
	opts.PoolSize = poolSize(opts.PoolSize)
	if opts.RouteByLatency || opts.RouteRandomly {
		return redis.NewFailoverClusterClient(opts), nil
	}
	return redis.NewFailoverClient(opts), nil
}

func cluster(u string) (redis.UniversalClient, error) {
	opts, err := redis.ParseClusterURL(u)
	if err != nil {
		return nil, fmt.Errorf("redis cluster url %q: %w", redact(u), err)
	}
	opts.PoolSize = poolSize(opts.PoolSize)
	return redis.NewClusterClient(opts), nil
}

// redact hides the password of a URL in error messages.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(unparsable)"
	}
	return parsed.Redacted()
}
