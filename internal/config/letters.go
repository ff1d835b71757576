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
