// Package crashtest proves Klaxon's durability on the real binary. Its
// tests build cmd/klaxon, run `klaxon serve` as a child process against a
// fake Twilio and a real store (the embedded store in a data directory, or
// a redis-server with its append-only file on), stop it with SIGKILL or
// SIGTERM at chosen points, start it again on the same data, and check
// that nothing answered for is lost and no page goes out twice. The package
// holds no code that Klaxon runs.
package crashtest
