package config

import (
	"fmt"
	"os"
	"strings"
)

// validateLetters checks the tenant's template folder and the
// authentication servers it trusts.
func (t *Tenant) validateLetters(p *problems, path string) {
	if t.Templates != "" {
		info, err := os.Stat(t.Templates)
		switch {
		case err != nil:
			p.add(path+".templates", "cannot read folder: %v", err)
		case !info.IsDir():
			p.add(path+".templates", "%s is not a folder; name the folder of the letter templates", t.Templates)
		}
	}
	for i, id := range t.TrustedAuthServIDs {
		key := fmt.Sprintf("%s.trusted_authserv_ids[%d]", path, i)
		if id == "" || strings.ContainsAny(id, " \t;\"") {
			p.add(key, "invalid authserv-id %q; give the host name the receiving server writes in Authentication-Results, like mx.mairie-exemple.fr", id)
		}
	}
}

// Warnings lists the settings that are valid but will stop a feature at
// run time: a service without a phone number cannot be named in an ARE,
// so #enregistrer fails for its dossiers.
func (c *Config) Warnings() []FieldError {
	var out []FieldError
	for i, t := range c.Tenants {
		if t == nil {
			continue
		}
		for j, s := range t.Services {
			if s != nil && strings.TrimSpace(s.Phone) == "" {
				out = append(out, FieldError{
					Path:    fmt.Sprintf("collectivites[%d].services[%d].phone", i, j),
					Message: "missing; the ARE must give the service's phone number, so #enregistrer fails for its dossiers",
				})
			}
		}
	}
	return out
}
