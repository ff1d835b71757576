package config

import (
	"fmt"
	"net"
	"strings"
)

var mailboxTLSModes = []string{MailboxTLSImplicit, MailboxTLSStartTLS, MailboxTLSNone}

// loopbackHosts are the hosts to which a mailbox may connect without TLS:
// the password then never leaves the machine.
var loopbackHosts = []string{"127.0.0.1", "::1", "localhost"}

func (t *Tenant) validateMailboxes(p *problems, path string) {
	names := map[string]string{}
	for i, m := range t.Mailboxes {
		mpath := fmt.Sprintf("%s.mailboxes[%d]", path, i)
		if m == nil {
			p.add(mpath, "empty entry; remove it or fill in the mailbox")
			continue
		}
		switch {
		case m.Name == "":
			p.add(mpath+".name", "missing; give a short name like contact")
		case !idPattern.MatchString(m.Name):
			p.add(mpath+".name", "invalid name %q; use lower-case letters, digits and hyphens", m.Name)
		default:
			unique(p, names, m.Name, mpath+".name", "mailbox name")
		}
		m.validateServer(p, mpath)
		m.validateLogin(p, mpath)
		t.validateMailboxIntake(p, mpath+".intake", m.Intake)
		m.validateFolders(p, mpath)
		if m.Initial != InitialNew && m.Initial != InitialAll {
			p.add(mpath+".initial", "invalid value %q; use %s or %s", m.Initial, InitialNew, InitialAll)
		}

		checkDuration(p, mpath+".poll_interval", m.PollInterval)
		checkDuration(p, mpath+".resync_interval", m.ResyncInterval)
		checkDuration(p, mpath+".timeout", m.Timeout)
		checkNotNegative(p, mpath+".max_message_bytes", m.MaxMessageBytes)
		checkNotNegative(p, mpath+".max_attempts", int64(m.MaxAttempts))
	}
}

func (m *Mailbox) validateServer(p *problems, path string) {
	switch {
	case m.Host == "":
		p.add(path+".host", "missing; name the IMAP server, like imap.hebergeur.example")
	case net.ParseIP(m.Host) == nil && strings.ContainsAny(m.Host, " /:@[]\t\r\n"):
		p.add(path+".host", "invalid host %q; write a host name or an IP address without port", m.Host)
	}
	if m.Port < 0 || m.Port > 65535 {
		p.add(path+".port", "invalid port %d; use a number from 1 to 65535, or leave it out", m.Port)
	}
	switch m.TLS {
	case MailboxTLSImplicit, MailboxTLSStartTLS:
	case MailboxTLSNone:
		if !isLoopbackHost(m.Host) {
			p.add(path+".tls", "%q sends the password in clear, so it is allowed only for %s; use %s or %s",
				m.TLS, oneOf(loopbackHosts), MailboxTLSImplicit, MailboxTLSStartTLS)
		}
	default:
		p.add(path+".tls", "invalid value %q; use one of: %s", m.TLS, oneOf(mailboxTLSModes))
	}
	checkRegularFile(p, path+".ca_file", m.CAFile)
}

func isLoopbackHost(host string) bool {
	for _, h := range loopbackHosts {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}

func (m *Mailbox) validateLogin(p *problems, path string) {
	if m.Username == "" {
		p.add(path+".username", "missing; give the login of the mailbox")
	}
	checkText(p, path+".username", m.Username, false)
	if m.PasswordFile == "" && m.PasswordEnv == "" && m.Password == "" {
		p.add(path+".password_file", "missing; name the file of the password, or set password_env")
	}
}

// validateMailboxIntake checks that address is one of the tenant's intake
// addresses, so that the pipeline routes the mailbox's messages to it.
func (t *Tenant) validateMailboxIntake(p *problems, path, address string) {
	if address == "" {
		p.add(path, "missing; give the intake address this mailbox receives for")
		return
	}
	want, err := parseConfigMailbox(address)
	if err != nil {
		p.add(path, "invalid address %q: %v", address, err)
		return
	}
	var known []string
	for _, in := range t.Intake {
		if in == nil {
			continue
		}
		if have, err := parseConfigMailbox(in.Address); err == nil {
			if have.String() == want.String() {
				return
			}
			known = append(known, in.Address)
		}
	}
	p.add(path, "%q is not an intake address of this collectivité; use one of: %s",
		address, oneOf(known))
}

func (m *Mailbox) validateFolders(p *problems, path string) {
	checkText(p, path+".folder", m.Folder, false)
	switch m.After {
	case AfterNone, AfterSeen, AfterDelete:
		return
	}
	folder, ok := strings.CutPrefix(m.After, AfterMovePrefix)
	switch {
	case !ok:
		p.add(path+".after", "invalid value %q; use one of: %s, %s, %sFOLDER, %s",
			m.After, AfterNone, AfterSeen, AfterMovePrefix, AfterDelete)
	case folder == "":
		p.add(path+".after", "missing folder; write it like %sArchives", AfterMovePrefix)
	case strings.EqualFold(folder, m.Folder):
		p.add(path+".after", "moves messages into the folder that is polled (%q); name another folder", m.Folder)
	default:
		checkText(p, path+".after", folder, false)
	}
}
