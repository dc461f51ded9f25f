// Package jsonrecord encodes and decodes the stores' records as JSON: the
// embedded store's log and data file, and the records the Redis store
// keeps and hands to its scripts. It uses go-json-experiment's v1 package,
// which reads and writes JSON as encoding/json does, so that records
// written by either read the same (the tests check it), in about three
// quarters of encoding/json's time with half its allocations to encode an
// incident, and half its time with a quarter of them to decode one
// (bench/README.md).
package jsonrecord

import jsonv1 "github.com/go-json-experiment/json/v1"

// Marshal encodes a record.
func Marshal(v any) ([]byte, error) { return jsonv1.Marshal(v) }

// Unmarshal decodes a record into v.
func Unmarshal(data []byte, v any) error { return jsonv1.Unmarshal(data, v) }
