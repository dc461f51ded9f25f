package redisstore

import (
	"fmt"
	"net/url"
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

func single(u string) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("redis url %q: %w", redact(u), err)
	}
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
