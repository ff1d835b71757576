// Package config loads sved's YAML configuration file, fills in defaults,
// reads the secrets it points to, and validates it with one error per
// problem, each naming the key that causes it.
//
// The file holds global settings (data_dir, hostname, smtp, outbound)
// and one entry per tenant under "collectivites". Keys are matched
// case-insensitively, and an unknown key is an error rather than being
// ignored, so a misspelt setting never silently takes its default.
//
// The package also compares addresses for the SMTP listener and the
// intake pipeline. MatchRecipient finds the tenant of a recipient,
// Tenant.IsStaff and Tenant.IsOwnAddress classify a sender, and
// Tenant.ReplyAddress builds a reply-token address.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	// The legal date of receipt depends on the tenant's time zone, so
	// the zone database is built in for hosts that have none.
	_ "time/tzdata"
)

// Load reads the configuration file at path, applies defaults, reads the
// relay password, and validates the result. Relative paths in the file
// (data_dir, smtp.tls_cert, smtp.tls_key, outbound.password_file and a
// dir: transport) are resolved against the directory of the file.
//
// It returns a *ValidationError listing every problem, or an error naming
// the file when it cannot be read or is not valid YAML.
func Load(path string) (*Config, error) {
	return load(path, true)
}

// LoadWithoutSecrets does what Load does but reads no secret: the relay
// password and the form secrets stay empty, and a missing one is no
// error. The commands that only read the store use it, so that they run
// without the environment of the daemon.
func LoadWithoutSecrets(path string) (*Config, error) {
	return load(path, false)
}

func load(path string, secrets bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}

	cfg, err := build(data, dir, secrets)
	var verr *ValidationError
	switch {
	case errors.As(err, &verr):
		verr.File = path
		return nil, verr
	case err != nil:
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse does what Load does with YAML data instead of a file. Relative
// paths are resolved against the current directory.
func Parse(data []byte) (*Config, error) {
	dir, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	cfg, err := build(data, dir, true)
	var verr *ValidationError
	if err != nil && !errors.As(err, &verr) {
		return nil, fmt.Errorf("parse config: %w", err)
	}
	return cfg, err
}

// build runs every step after reading: decode, defaults, secrets and
// validation. It returns a YAML syntax error as is, and every other
// problem in one *ValidationError.
func build(data []byte, baseDir string, secrets bool) (*Config, error) {
	cfg, decodeProblems, err := decode(data)
	if err != nil {
		return nil, err
	}
	cfg.applyDefaults(baseDir)

	all := decodeProblems
	if secrets {
		cfg.readSecrets(&all)
	}

	var verr *ValidationError
	if errors.As(cfg.Validate(), &verr) {
		for _, fe := range verr.Errors {
			// A key that could not be decoded is reported once, by the
			// decoder, not again as missing or invalid.
			if !coveredBy(fe.Path, decodeProblems) {
				all = append(all, fe)
			}
		}
	}
	if err := all.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// coveredBy reports whether path is, or lies under, the path of one of
// the decoding problems.
func coveredBy(path string, decodeProblems problems) bool {
	for _, p := range decodeProblems {
		if p.Path == "" {
			continue
		}
		if path == p.Path || strings.HasPrefix(path, p.Path+".") ||
			strings.HasPrefix(path, p.Path+"[") {
			return true
		}
	}
	return false
}
