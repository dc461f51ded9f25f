// Package e2e holds Klaxon's end-to-end scenario tests: a whole server
// behind real HTTP, twilio-go talking to a fake Twilio API on loopback, and a
// fake clock, exercised the way Alertmanager and a person's phone would.
package e2e
