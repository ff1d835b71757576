package config

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	idPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	prefixPattern = regexp.MustCompile(`^[A-Z0-9]{2,12}$`)
)

// separators are the characters accepted between the local part and the
// token of a sub-address: "+" is the usual recipient delimiter of Postfix
// and Sendmail, "-" that of qmail.
var separators = []string{"+", "-", "_", ".", "="}

var regimes = []string{string(RegimeAccord), string(RegimeRejet), string(RegimeAucun)}

// tenantIndex contains what must be unique across tenants, each value
// mapped to the path where it first appears.
type tenantIndex struct {
	ids           map[string]string
	prefixes      map[string]string
	intake        map[string]string
	replyDomains  map[string]string
	subAddresses  map[string]string
	intakeDomains map[string]bool
}

func (c *Config) validateTenants(p *problems) {
	if len(c.Tenants) == 0 {
		p.add("collectivites", "missing; add at least one collectivité (tenant)")
		return
	}
	idx := tenantIndex{
		ids:           map[string]string{},
		prefixes:      map[string]string{},
		intake:        map[string]string{},
		replyDomains:  map[string]string{},
		subAddresses:  map[string]string{},
		intakeDomains: c.intakeDomains(),
	}
	for i, t := range c.Tenants {
		path := fmt.Sprintf("collectivites[%d]", i)
		if t == nil {
			p.add(path, "empty entry; remove it or fill in the collectivité")
			continue
		}
		t.validate(p, path, &idx)
	}
}

// intakeDomains returns the domain of every valid intake address of every
// tenant.
func (c *Config) intakeDomains() map[string]bool {
	domains := map[string]bool{}
	for _, t := range c.Tenants {
		if t == nil {
			continue
		}
		for _, in := range t.Intake {
			if in == nil {
				continue
			}
			if m, err := parseConfigMailbox(in.Address); err == nil {
				domains[m.domain] = true
			}
		}
	}
	return domains
}

// unique records value at path and reports a problem when an earlier path
// has it.
func unique(p *problems, seen map[string]string, value, path, what string) {
	if first, ok := seen[value]; ok {
		p.add(path, "duplicate %s %q, already used at %s", what, value, first)
		return
	}
	seen[value] = path
}

func (t *Tenant) validate(p *problems, path string, idx *tenantIndex) {
	switch {
	case t.ID == "":
		p.add(path+".id", "missing; give a short name like saint-exemple")
	case !idPattern.MatchString(t.ID):
		p.add(path+".id", "invalid id %q; use lower-case letters, digits and hyphens", t.ID)
	default:
		unique(p, idx.ids, t.ID, path+".id", "id")
	}
	if t.Name == "" {
		p.add(path+".name", "missing; give the name of the collectivité")
	}
	checkText(p, path+".name", t.Name, false)

	switch {
	case t.Prefix == "":
		p.add(path+".prefix", "missing; give a reference prefix like SAINTEX")
	case !prefixPattern.MatchString(t.Prefix):
		p.add(path+".prefix", "invalid prefix %q; use 2 to 12 capital letters or digits", t.Prefix)
	default:
		unique(p, idx.prefixes, t.Prefix, path+".prefix", "prefix")
	}
	t.validateTimeZone(p, path+".time_zone")
	t.validateCalendar(p, path+".calendar")

	t.validateServices(p, path)
	t.validateIntake(p, path, idx)
	t.validateFrom(p, path+".from")
	t.validateReply(p, path+".reply", idx)
	t.validateStaff(p, path+".staff")
	if t.DefaultService != "" && t.Service(t.DefaultService) == nil {
		t.addUnknownService(p, path+".default_service", t.DefaultService)
	}
	t.validateNatures(p, path)
	t.validateMailboxes(p, path)
	checkNotNegative(p, path+".ack_limit_per_day", int64(t.AckLimitPerDay))
	t.Alerts.validate(p, path+".alerts")
	t.Digest.validate(p, path+".digest")
	t.validateLetters(p, path)
}

func (t *Tenant) validateTimeZone(p *problems, path string) {
	// "Local" depends on the machine, so the legal date of receipt would
	// change with the server it runs on.
	if t.TimeZone == "Local" {
		p.add(path, "invalid time zone %q; name an IANA zone like Europe/Paris", t.TimeZone)
		return
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		p.add(path, "invalid time zone %q; name an IANA zone like Europe/Paris or America/Cayenne",
			t.TimeZone)
		return
	}
	t.Location = loc
}

func (t *Tenant) validateIntake(p *problems, path string, idx *tenantIndex) {
	if len(t.Intake) == 0 {
		p.add(path+".intake", "missing; list at least one public address, like contact@mairie.fr")
		return
	}
	for i, in := range t.Intake {
		ipath := fmt.Sprintf("%s.intake[%d]", path, i)
		if in == nil {
			p.add(ipath, "empty entry; remove it or give an address")
			continue
		}
		if in.Address == "" {
			p.add(ipath+".address", "missing; give the address, like contact@mairie.fr")
		} else if m, err := parseConfigMailbox(in.Address); err != nil {
			p.add(ipath+".address", "invalid address %q: %v", in.Address, err)
		} else {
			unique(p, idx.intake, m.String(), ipath+".address", "intake address")
		}
		if in.Service != "" && t.Service(in.Service) == nil {
			t.addUnknownService(p, ipath+".service", in.Service)
		}
		if in.Nature != "" && t.Nature(in.Nature) == nil {
			t.addUnknownNature(p, ipath+".nature", in.Nature)
		}
	}
}

func (t *Tenant) validateFrom(p *problems, path string) {
	if t.From == "" {
		p.add(path, "missing; write it like \"Mairie de Exemple <contact@mairie-exemple.fr>\"")
		return
	}
	a, err := mail.ParseAddress(t.From)
	if err != nil {
		p.add(path, "invalid address %q: %v", t.From, err)
		return
	}
	if _, err := parseConfigMailbox(a.Address); err != nil {
		p.add(path, "invalid address %q: %v", t.From, err)
	}
}

func (t *Tenant) validateReply(p *problems, path string, idx *tenantIndex) {
	r := t.Reply
	switch {
	case r.Domain == "" && r.SubAddress == "":
		p.add(path, "missing; set domain (like reponse.mairie.fr) or sub_address (like contact@mairie.fr)")
	case r.Domain != "" && r.SubAddress != "":
		p.add(path, "set only one of domain and sub_address")
	case r.Domain != "":
		t.validateReplyDomain(p, path+".domain", idx)
	default:
		t.validateSubAddress(p, path, idx)
	}
}

func (t *Tenant) validateReplyDomain(p *problems, path string, idx *tenantIndex) {
	domain, err := normalizeDomain(t.Reply.Domain)
	if err != nil {
		p.add(path, "%v", err)
		return
	}
	// Every local part at the reply domain that looks like a token is a
	// reply address, so the domain cannot also receive intake mail.
	if idx.intakeDomains[domain] {
		p.add(path, "domain %q also has intake addresses; use a dedicated domain like reponse.%s",
			t.Reply.Domain, domain)
		return
	}
	unique(p, idx.replyDomains, domain, path, "reply domain")
}

func (t *Tenant) validateSubAddress(p *problems, path string, idx *tenantIndex) {
	m, err := parseConfigMailbox(t.Reply.SubAddress)
	if err != nil {
		p.add(path+".sub_address", "invalid address %q: %v", t.Reply.SubAddress, err)
	} else {
		unique(p, idx.subAddresses, m.String(), path+".sub_address", "sub_address")
	}
	if !slices.Contains(separators, t.Reply.Separator) {
		p.add(path+".separator", "invalid separator %q; use one of: %s",
			t.Reply.Separator, strings.Join(separators, " "))
	}
}

func (t *Tenant) validateStaff(p *problems, path string) {
	for i, entry := range t.Staff {
		epath := fmt.Sprintf("%s[%d]", path, i)
		if domain, ok := strings.CutPrefix(entry, "@"); ok {
			if _, err := normalizeDomain(domain); err != nil {
				p.add(epath, "invalid domain entry %q: %v", entry, err)
			}
			continue
		}
		if _, err := parseConfigMailbox(entry); err != nil {
			p.add(epath, "invalid entry %q: %v; write an address or @domain", entry, err)
		}
	}
}

// addUnknownService reports a reference to a service id that the tenant
// does not define.
func (t *Tenant) addUnknownService(p *problems, path, id string) {
	ids := t.serviceIDs()
	if len(ids) == 0 {
		p.add(path, "unknown service %q; define it under services", id)
		return
	}
	p.add(path, "unknown service %q; use one of: %s", id, oneOf(ids))
}

// addUnknownNature reports a reference to a nature id that the tenant
// does not define.
func (t *Tenant) addUnknownNature(p *problems, path, id string) {
	var ids []string
	for _, n := range t.Natures {
		if n != nil && n.ID != "" {
			ids = append(ids, n.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		p.add(path, "unknown nature %q; define it under natures", id)
		return
	}
	p.add(path, "unknown nature %q; use one of: %s", id, oneOf(ids))
}

// serviceIDs returns the ids of the tenant's services in sorted order.
func (t *Tenant) serviceIDs() []string {
	var ids []string
	for _, s := range t.Services {
		if s != nil && s.ID != "" {
			ids = append(ids, s.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}
