package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLettersSettings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m := baseMap(t)
	set(t, m, "collectivites[0].templates", dir)
	set(t, m, "collectivites[0].trusted_authserv_ids", []any{"mx.mairie-saint-exemple.fr"})
	cfg, err := Parse(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	if tn := cfg.Tenants[0]; tn.Templates != dir || tn.TrustedAuthServIDs[0] != "mx.mairie-saint-exemple.fr" {
		t.Errorf("tenant = %q, %v", tn.Templates, tn.TrustedAuthServIDs)
	}

	tests := []struct {
		key   string
		value any
		msg   string
	}{
		{"collectivites[0].templates", filepath.Join(dir, "missing"), "cannot read folder"},
		{"collectivites[0].templates", file, "is not a folder"},
		{"collectivites[0].trusted_authserv_ids", []any{"mx example"}, "invalid authserv-id"},
	}
	for _, tt := range tests {
		m := baseMap(t)
		set(t, m, tt.key, tt.value)
		_, err := Parse(marshal(t, m))
		errs := fieldErrors(t, err)
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Path, tt.key) || !strings.Contains(errs[0].Message, tt.msg) {
			t.Errorf("%s = %v: errors %v, want %q", tt.key, tt.value, errs, tt.msg)
		}
	}
}

func TestIsInternalAddress(t *testing.T) {
	tn := mustParse(t, baseYAML).Tenants[0]
	for addr, want := range map[string]bool{
		"agent@mairie-saint-exemple.fr":                    true,
		"service.urbanisme@mairie-saint-exemple.fr":        true,
		"abcdefghijklmnop@reponse.mairie-saint-exemple.fr": true,
		"agent@prestataire.example":                        true,
		"contact@mairie-saint-exemple.fr":                  false, // intake and From
		"urbanisme@mairie-saint-exemple.fr":                false, // intake
		"jeanne@example.org":                               false,
		"not an address":                                   false,
	} {
		if got := tn.IsInternalAddress(addr); got != want {
			t.Errorf("IsInternalAddress(%q) = %v, want %v", addr, got, want)
		}
	}
}
