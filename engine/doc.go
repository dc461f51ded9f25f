// Package engine owns Klaxon's domain: alerts, incidents, pages and their
// timers, and the state machine that moves an incident from triggered to
// acknowledged to resolved. It decides who is paged and when, using the
// rosters package for on-call answers, and reaches the outside world only
// through the Store, Notifier and Clock interfaces it defines: it performs no
// network I/O of its own.
package engine
