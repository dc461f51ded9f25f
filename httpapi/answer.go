package httpapi

import (
	"net/http"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/klaxonhq/klaxon/engine"
	"github.com/klaxonhq/klaxon/receivers"
)

// alertsAnswer is the answer to an accepted webhook.
type alertsAnswer struct {
	Accepted int                   `json:"accepted"`
	Rejected []receivers.Rejection `json:"rejected"`
	Results  []engine.IngestResult `json:"results,omitempty"`
}

// writeAnswer writes a as writeJSON would, with the JSON written by hand:
// every webhook is answered so, and encoding/json's reflection was 6% of
// what serving an alert storm of re-sent alerts cost.
func writeAnswer(w http.ResponseWriter, a alertsAnswer) {
	b := a.appendJSON(make([]byte, 0, 128+96*len(a.Results)))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// appendJSON appends a's JSON and a newline to b.
func (a alertsAnswer) appendJSON(b []byte) []byte {
	str := func(s string) {
		// Invalid UTF-8 is written replaced by U+FFFD, as encoding/json
		// writes it; the error only reports it.
		b, _ = jsontext.AppendQuote(b, s)
	}
	b = append(b, `{"accepted":`...)
	b = strconv.AppendInt(b, int64(a.Accepted), 10)
	b = append(b, `,"rejected":`...)
	if a.Rejected == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
	}
	for i, r := range a.Rejected {
		b = comma(b, i)
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(r.Index), 10)
		if r.Fingerprint != "" {
			b = append(b, `,"fingerprint":`...)
			str(r.Fingerprint)
		}
		b = append(b, `,"reason":`...)
		str(r.Reason)
		b = append(b, '}')
	}
	if a.Rejected != nil {
		b = append(b, ']')
	}
	if len(a.Results) > 0 {
		b = append(b, `,"results":[`...)
		for i, r := range a.Results {
			b = comma(b, i)
			b = append(b, `{"alert_id":`...)
			str(r.AlertID)
			b = append(b, `,"outcome":`...)
			str(string(r.Outcome))
			if r.Incident != "" {
				b = append(b, `,"incident":`...)
				str(r.Incident)
			}
			b = append(b, `,"priority":`...)
			str(r.Priority.String())
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func comma(b []byte, i int) []byte {
	if i > 0 {
		return append(b, ',')
	}
	return b
}
