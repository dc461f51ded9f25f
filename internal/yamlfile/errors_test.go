package yamlfile_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  yamlfile.Error
		want string
	}{
		{name: "file and line", err: yamlfile.Error{File: "a.yaml", Line: 3, Msg: "bad"}, want: "a.yaml:3: bad"},
		{name: "file without line", err: yamlfile.Error{File: "a.yaml", Msg: "bad"}, want: "a.yaml: bad"},
		{name: "line without file", err: yamlfile.Error{Line: 3, Msg: "bad"}, want: "line 3: bad"},
		{name: "message alone", err: yamlfile.Error{Msg: "bad"}, want: "bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestErrorsCollectsAndJoins(t *testing.T) {
	var errs yamlfile.Errors
	require.NoError(t, errs.Err(), "no problems is a nil error")

	errs.Add("b.yaml", 2, "second %s", "problem")
	errs.Append(nil)
	errs.Append(&yamlfile.Error{File: "a.yaml", Line: 9, Msg: "pointer"})
	errs.Append(yamlfile.Errors{{File: "a.yaml", Line: 1, Msg: "nested"}})
	errs.Append(fmt.Errorf("wrapped: %w", yamlfile.Error{File: "a.yaml", Line: 5, Msg: "value"}))
	errs.Append(errors.New("plain\nmulti line"))

	require.Len(t, errs, 5)
	assert.Equal(t, "b.yaml:2: second problem\na.yaml:9: pointer\na.yaml:1: nested\na.yaml:5: value\nplain multi line", errs.Err().Error())

	errs.Sort()
	assert.Equal(t, "plain multi line\na.yaml:1: nested\na.yaml:5: value\na.yaml:9: pointer\nb.yaml:2: second problem", errs.Error())
}
