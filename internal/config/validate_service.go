package config

import (
	"fmt"
	"slices"

	"github.com/sved-project/sved/internal/deadline"
)

func (t *Tenant) validateServices(p *problems, path string) {
	if len(t.Services) == 0 {
		p.add(path+".services", "missing; define at least one service with an id, a name and a mailbox")
		return
	}
	ids := map[string]string{}
	for i, s := range t.Services {
		spath := fmt.Sprintf("%s.services[%d]", path, i)
		if s == nil {
			p.add(spath, "empty entry; remove it or fill in the service")
			continue
		}
		switch {
		case s.ID == "":
			p.add(spath+".id", "missing; give a short name like etat-civil")
		case !idPattern.MatchString(s.ID):
			p.add(spath+".id", "invalid id %q; use lower-case letters, digits and hyphens", s.ID)
		default:
			unique(p, ids, s.ID, spath+".id", "service id")
		}
		if s.Name == "" {
			p.add(spath+".name", "missing; give the name shown to the public, like \"Service état civil\"")
		}
		switch {
		case s.Mailbox == "":
			p.add(spath+".mailbox", "missing; give the address that receives the forwarded dossiers")
		default:
			if _, err := parseConfigMailbox(s.Mailbox); err != nil {
				p.add(spath+".mailbox", "invalid address %q: %v", s.Mailbox, err)
			}
		}
		checkText(p, spath+".name", s.Name, false)
		checkText(p, spath+".phone", s.Phone, false)
		checkText(p, spath+".postal_address", s.Postal, true)
		checkText(p, spath+".head", s.Head, false)
	}
}

func (t *Tenant) validateNatures(p *problems, path string) {
	ids := map[string]string{}
	for i, n := range t.Natures {
		npath := fmt.Sprintf("%s.natures[%d]", path, i)
		if n == nil {
			p.add(npath, "empty entry; remove it or fill in the nature")
			continue
		}
		switch {
		case n.ID == "":
			p.add(npath+".id", "missing; give a short name like acte-etat-civil")
		case !idPattern.MatchString(n.ID):
			p.add(npath+".id", "invalid id %q; use lower-case letters, digits and hyphens", n.ID)
		default:
			unique(p, ids, n.ID, npath+".id", "nature id")
		}
		if n.Label == "" {
			p.add(npath+".label", "missing; give the label shown to the public")
		}
		checkText(p, npath+".label", n.Label, false)

		switch {
		case n.Service == "" && len(t.serviceIDs()) == 0:
			p.add(npath+".service", "missing; define the service under services and name it here")
		case n.Service == "":
			p.add(npath+".service", "missing; use one of: %s", oneOf(t.serviceIDs()))
		case t.Service(n.Service) == nil:
			t.addUnknownService(p, npath+".service", n.Service)
		}
		switch {
		case n.Regime == "":
			p.add(npath+".regime", "missing; use one of: %s", oneOf(regimes))
		case !slices.Contains(regimes, string(n.Regime)):
			p.add(npath+".regime", "invalid regime %q; use one of: %s", n.Regime, oneOf(regimes))
		}
		delai, err := deadline.ParseDelai(n.Delai)
		if err != nil {
			p.add(npath+".delai", "invalid délai %q; write a number of months or days, like 2m, 1m or 15d",
				n.Delai)
		}
		n.delai = delai
	}
}

// validateMailboxLoops reports service mailboxes that sved itself
// receives. A forward to such a mailbox would come back in as new mail.
func (c *Config) validateMailboxLoops(p *problems) {
	for i, t := range c.Tenants {
		if t == nil {
			continue
		}
		for j, s := range t.Services {
			if s == nil || s.Mailbox == "" {
				continue
			}
			if _, ok := c.MatchRecipient(s.Mailbox); ok {
				p.add(fmt.Sprintf("collectivites[%d].services[%d].mailbox", i, j),
					"%q is an address that sved receives, so forwards would loop; "+
						"use the service's own mailbox", s.Mailbox)
			}
		}
	}
}
