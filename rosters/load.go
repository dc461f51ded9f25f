package rosters

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// LoadDir loads every *.yaml and *.yml file in dir (not its
// subdirectories) as one Set. Every problem in every file comes back in
// one yamlfile.Errors, each naming the file by its path.
func LoadDir(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read rosters: %w", err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !isYAML(name) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read roster: %w", err)
		}
		files[path] = data
	}
	if len(files) == 0 {
		return nil, yamlfile.Errors{{File: dir, Msg: "no roster files (*.yaml, *.yml)"}}
	}
	return Parse(files)
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// Parse loads files (name -> contents) as one Set. Problems that stop a
// file from decoding (syntax, unknown fields, bad durations) are reported
// alone; once every file decodes, every semantic problem is reported.
func Parse(files map[string][]byte) (*Set, error) {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)

	var errs yamlfile.Errors
	decoded := make([]*parsedFile, 0, len(names))
	for _, name := range names {
		f := &parsedFile{name: name}
		errs.Append(yamlfile.Decode(name, files[name], &f.raw, nil))
		decoded = append(decoded, f)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return build(decoded)
}

// parsedFile is one decoded roster file and what building it learned.
type parsedFile struct {
	name string
	raw  rosterFile
	team string
	loc  *time.Location // the file's timezone; UTC when absent or invalid
}
