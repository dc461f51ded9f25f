package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/klaxonhq/klaxon/internal/yamlfile"
)

// Load reads, decodes and validates the file at path, expanding ${NAME}
// from the process environment. Every problem comes back in one
// yamlfile.Errors.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Parse decodes and validates data as the contents of file, expanding
// ${NAME} with env (nil leaves references as written). Relative paths are
// resolved against file's directory. When the file decodes but fails
// validation, Parse returns the config as built alongside the problems, so
// that a checker can go on to the roster files it names; such a config must
// not be used to run.
func Parse(file string, data []byte, env func(string) (string, bool)) (*Config, error) {
	raw := defaults()
	if err := yamlfile.Decode(file, data, &raw, env); err != nil {
		return nil, err
	}
	b := builder{file: file}
	cfg := b.build(&raw)
	b.errs.Sort()
	return cfg, b.errs.Err()
}

// resolve makes a relative path relative to the config file's directory.
func resolve(file, path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(file), path)
}
