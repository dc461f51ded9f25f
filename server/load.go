package server

import (
	"fmt"

	"github.com/klaxonhq/klaxon/config"
	"github.com/klaxonhq/klaxon/internal/yamlfile"
	"github.com/klaxonhq/klaxon/rosters"
)

// Load reads and validates the configuration at path and the rosters it
// names, reporting the problems of both at once.
func Load(path string) (*config.Config, *rosters.Set, error) {
	var problems yamlfile.Errors
	cfg, err := config.Load(path)
	problems.Append(err)
	if cfg == nil {
		return nil, nil, problems.Err()
	}
	rs, err := rosters.LoadDir(cfg.Rosters)
	problems.Append(err)
	if err := problems.Err(); err != nil {
		return nil, nil, err
	}
	if _, err := Classifier(cfg); err != nil {
		return nil, nil, err
	}
	return cfg, rs, nil
}

// Reload loads the configuration at path and its rosters and, when both are
// valid, puts into force what can change without a restart: rosters,
// classification rules, maintenance windows, integration and api tokens.
// Incidents in flight go on escalating from their current step under the
// new rosters. An invalid new version changes nothing.
func (s *Server) Reload(path string) error {
	cfg, rs, err := Load(path)
	if err != nil {
		return fmt.Errorf("reload %s:\n%w", path, err)
	}
	classifier, err := Classifier(cfg)
	if err != nil {
		return fmt.Errorf("reload %s: %w", path, err)
	}
	s.engine.SetRosters(rs)
	s.engine.SetClassifier(classifier)
	s.handler.SetTokens(integrations(cfg), apiTokens(cfg))
	return nil
}
