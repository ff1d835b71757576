package config

import (
	"net/mail"
	"strings"

	"github.com/sved-project/sved/internal/dossier"
)

// Recipient is a recipient address that sved accepts, with the tenant it
// belongs to.
type Recipient struct {
	Tenant *Tenant
	// Intake is the intake address matched, or nil for a reply-token
	// address.
	Intake *IntakeAddress
	// Token is the reply token in lower case, set only for a reply-token
	// address. MatchRecipient does not check that a dossier has it.
	Token string
}

// MatchRecipient finds the tenant address that addr names. sved relays
// nothing, so only these addresses are accepted: the intake addresses of
// every tenant and their reply-token addresses.
//
// Addresses are compared as follows:
//   - addr is a bare RFC 5321 mailbox, optionally in angle brackets.
//     Source routes and address literals never match.
//   - The domain is compared case-insensitively. An IDN written in
//     Unicode matches its punycode form (golang.org/x/net/idna, Lookup
//     profile).
//   - A local part written as a quoted-string whose content is a valid
//     dot-string, such as "contact"@example.fr, is the same mailbox as
//     the dot-string (RFC 5321 section 4.1.2). Other quoted local parts
//     match nothing.
//   - Local parts are then compared case-insensitively. RFC 5321 lets
//     the receiving host decide, and these mailboxes are sved's own and
//     its tokens are lower case, so sved treats case as insignificant.
//   - With reply.domain set, any local part that is a valid token at
//     that domain is a reply-token address. With reply.sub_address set
//     to "contact@example.fr", "contact+TOKEN@example.fr" is one, with
//     reply.separator in place of "+".
//
// Intake addresses are tried before reply-token addresses, and tenants in
// file order. Last, postmaster at the domain of an intake address or of
// the reply domain is accepted as an intake address of that tenant's
// default service, because RFC 5321 section 4.5.1 requires every domain
// that receives mail to accept it.
func (c *Config) MatchRecipient(addr string) (Recipient, bool) {
	m, err := parseMailbox(addr)
	if err != nil {
		return Recipient{}, false
	}
	for _, t := range c.Tenants {
		if t == nil {
			continue
		}
		if in := t.matchIntake(m); in != nil {
			return Recipient{Tenant: t, Intake: in}, true
		}
	}
	for _, t := range c.Tenants {
		if t == nil {
			continue
		}
		if token, ok := t.matchToken(m); ok {
			return Recipient{Tenant: t, Token: token}, true
		}
	}
	if !m.quoted && strings.EqualFold(m.local, "postmaster") {
		for _, t := range c.Tenants {
			if t != nil && t.receivesDomain(m.domain) {
				return Recipient{Tenant: t, Intake: &IntakeAddress{Address: "postmaster@" + m.domain}}, true
			}
		}
	}
	return Recipient{}, false
}

// receivesDomain reports whether domain is the domain of one of the
// tenant's intake addresses or of its reply addresses.
func (t *Tenant) receivesDomain(domain string) bool {
	for _, in := range t.Intake {
		if in == nil {
			continue
		}
		if cm, err := parseConfigMailbox(in.Address); err == nil && cm.domain == domain {
			return true
		}
	}
	if d, err := normalizeDomain(t.Reply.Domain); err == nil && t.Reply.Domain != "" && d == domain {
		return true
	}
	if base, err := parseConfigMailbox(t.Reply.SubAddress); err == nil && t.Reply.SubAddress != "" && base.domain == domain {
		return true
	}
	return false
}

// Tenant returns the tenant with the given id, or nil.
func (c *Config) Tenant(id string) *Tenant {
	for _, t := range c.Tenants {
		if t != nil && t.ID == id {
			return t
		}
	}
	return nil
}

// matchIntake returns the intake address equal to m, or nil.
func (t *Tenant) matchIntake(m mailbox) *IntakeAddress {
	for _, in := range t.Intake {
		if in == nil {
			continue
		}
		if cm, err := parseConfigMailbox(in.Address); err == nil && cm == m {
			return in
		}
	}
	return nil
}

// matchToken returns the token when m is one of the tenant's reply-token
// addresses.
func (t *Tenant) matchToken(m mailbox) (string, bool) {
	if m.quoted {
		return "", false
	}
	if t.Reply.Domain != "" {
		domain, err := normalizeDomain(t.Reply.Domain)
		if err == nil && m.domain == domain && ValidToken(m.local) {
			return m.local, true
		}
	}
	if t.Reply.SubAddress != "" {
		base, err := parseConfigMailbox(t.Reply.SubAddress)
		if err != nil || m.domain != base.domain {
			return "", false
		}
		token, found := strings.CutPrefix(m.local, base.local+t.Reply.separator())
		if found && ValidToken(token) {
			return token, true
		}
	}
	return "", false
}

// ReplyAddress returns the reply-token address for token: token@domain
// with reply.domain, or local+token@domain with reply.sub_address. The
// domain is written in lower-case ASCII. It returns "" when neither is
// configured, which Validate rejects.
func (t *Tenant) ReplyAddress(token string) string {
	if t.Reply.Domain != "" {
		if domain, err := normalizeDomain(t.Reply.Domain); err == nil {
			return token + "@" + domain
		}
	}
	if t.Reply.SubAddress != "" {
		if base, err := parseConfigMailbox(t.Reply.SubAddress); err == nil {
			return base.local + t.Reply.separator() + token + "@" + base.domain
		}
	}
	return ""
}

// FromAddress returns the parsed From of the tenant, with an IDN domain
// in punycode so that it can be sent without SMTPUTF8. It returns a zero
// Address when From is invalid, which Validate rejects.
func (t *Tenant) FromAddress() dossier.Address {
	a, err := mail.ParseAddress(t.From)
	if err != nil {
		return dossier.Address{}
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 0 {
		return dossier.Address{}
	}
	domain, err := normalizeDomain(a.Address[at+1:])
	if err != nil {
		return dossier.Address{}
	}
	return dossier.Address{Name: a.Name, Addr: a.Address[:at+1] + domain}
}

// IsOwnAddress reports whether addr is one of the tenant's own addresses:
// an intake address, the From address, the reply.sub_address base, or
// any reply-token address, whether or not a dossier has that token. It
// compares addresses as MatchRecipient does; "" is never one.
func (t *Tenant) IsOwnAddress(addr string) bool {
	m, err := parseMailbox(addr)
	if err != nil {
		return false
	}
	if t.matchIntake(m) != nil {
		return true
	}
	if _, ok := t.matchToken(m); ok {
		return true
	}
	if from := t.FromAddress(); from.Addr != "" {
		if fm, err := parseMailbox(from.Addr); err == nil && fm == m {
			return true
		}
	}
	if t.Reply.SubAddress != "" {
		if base, err := parseConfigMailbox(t.Reply.SubAddress); err == nil && base == m {
			return true
		}
	}
	return false
}

// IsInternalAddress reports whether addr must not reach the public: a
// staff address, a service mailbox or a reply-token address. The public
// addresses of the tenant (intake addresses, From) are not internal,
// even at a staff domain.
func (t *Tenant) IsInternalAddress(addr string) bool {
	m, err := parseMailbox(addr)
	if err != nil {
		return false
	}
	if t.matchIntake(m) != nil {
		return false
	}
	if from := t.FromAddress(); from.Addr != "" {
		if fm, err := parseMailbox(from.Addr); err == nil && fm == m {
			return false
		}
	}
	if _, ok := t.matchToken(m); ok || t.IsStaff(addr) {
		return true
	}
	for _, svc := range t.Services {
		if svc == nil {
			continue
		}
		if a, err := mail.ParseAddress(svc.Mailbox); err == nil {
			if sm, err := parseMailbox(a.Address); err == nil && sm == m {
				return true
			}
		}
	}
	return false
}

// IsStaff reports whether addr is a staff address of the tenant: equal
// to a staff entry (compared as MatchRecipient does), or at the domain of
// an "@domain" entry. A domain entry does not cover its subdomains.
func (t *Tenant) IsStaff(addr string) bool {
	m, err := parseMailbox(addr)
	if err != nil || m.quoted {
		return false
	}
	for _, entry := range t.Staff {
		if rest, ok := strings.CutPrefix(entry, "@"); ok {
			if domain, err := normalizeDomain(rest); err == nil && domain == m.domain {
				return true
			}
			continue
		}
		if sm, err := parseConfigMailbox(entry); err == nil && sm == m {
			return true
		}
	}
	return false
}

// Service returns the service with the given id, or nil.
func (t *Tenant) Service(id string) *Service {
	for _, s := range t.Services {
		if s != nil && s.ID == id {
			return s
		}
	}
	return nil
}

// ServiceFor returns the service that handles mail to in: the intake
// address's own service, else the service of its nature, else the
// tenant's default_service, else the first service. in may be nil. It
// returns nil only for a tenant with no service, which Validate rejects.
func (t *Tenant) ServiceFor(in *IntakeAddress) *Service {
	if in != nil && in.Service != "" {
		if s := t.Service(in.Service); s != nil {
			return s
		}
	}
	if in != nil && in.Nature != "" {
		if n := t.Nature(in.Nature); n != nil {
			if s := t.Service(n.Service); s != nil {
				return s
			}
		}
	}
	if t.DefaultService != "" {
		if s := t.Service(t.DefaultService); s != nil {
			return s
		}
	}
	for _, s := range t.Services {
		if s != nil {
			return s
		}
	}
	return nil
}

// Nature returns the nature of request with the given id, or nil.
func (t *Tenant) Nature(id string) *Nature {
	for _, n := range t.Natures {
		if n != nil && n.ID == id {
			return n
		}
	}
	return nil
}

// separator returns the configured separator, or the default "+".
func (r Reply) separator() string {
	if r.Separator == "" {
		return defaultSeparator
	}
	return r.Separator
}
