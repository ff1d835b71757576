package config

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// TLS modes of a polled IMAP mailbox.
const (
	MailboxTLSImplicit = "implicit" // TLS from the first byte, port 993
	MailboxTLSStartTLS = "starttls" // STARTTLS after the greeting, port 143
	MailboxTLSNone     = "none"     // plain text, loopback hosts only
)

// Actions applied to a polled message once its dossier is stored.
const (
	AfterNone       = "none"   // leave the mailbox as it was
	AfterSeen       = "seen"   // set the \Seen flag
	AfterDelete     = "delete" // set \Deleted and expunge
	AfterMovePrefix = "move:"  // move to the folder named after the colon
)

// Initial values: what the first sync of a folder reads.
const (
	InitialNew = "new" // only messages that arrive after the first connection
	InitialAll = "all" // every message already in the folder, then new ones
)

// Defaults of a polled mailbox.
const (
	DefaultMailboxFolder         = "INBOX"
	DefaultMailboxPollInterval   = time.Minute
	DefaultMailboxResyncInterval = 2 * time.Minute
	DefaultMailboxTimeout        = 60 * time.Second
	DefaultMailboxMaxAttempts    = 5
	defaultIMAPSPort             = 993
	defaultIMAPPort              = 143
)

// Mailbox is an existing IMAP mailbox that sved polls for a tenant whose
// MX it does not receive. Each new message goes through the intake
// pipeline as if it had arrived over SMTP for the Intake address.
type Mailbox struct {
	// Name identifies the mailbox within its tenant, in logs and in the
	// stored cursor. A renamed mailbox is a new one to sved, whose first
	// sync follows Initial.
	Name string `mapstructure:"name"`
	Host string `mapstructure:"host"`
	Port int    `mapstructure:"port"` // default 993 with implicit TLS, else 143
	// TLS is "implicit" (default), "starttls" or "none" (only for a
	// loopback host).
	TLS string `mapstructure:"tls"`
	// CAFile is a PEM file of the certificate authorities that sign the
	// server's certificate, in place of the system roots.
	CAFile   string `mapstructure:"ca_file"`
	Username string `mapstructure:"username"`
	// PasswordFile or PasswordEnv names where the password is read from.
	PasswordFile string `mapstructure:"password_file"`
	PasswordEnv  string `mapstructure:"password_env"`
	// Password is filled by Load from PasswordFile or PasswordEnv.
	Password string `mapstructure:"-"`

	Folder string `mapstructure:"folder"` // default INBOX
	// Intake is the intake address of the tenant that the mailbox
	// receives for; it decides the service and nature of its dossiers.
	Intake string `mapstructure:"intake"`
	// After is the action once a message is stored: "none" (default),
	// "seen", "move:FOLDER" or "delete".
	After string `mapstructure:"after"`
	// Initial is the scope of the first sync of the folder. "new"
	// (default) leaves the messages already there alone, so that
	// connecting an old mailbox sends no AEE for years-old mail. "all"
	// reads them too.
	Initial string `mapstructure:"initial"`

	// PollInterval is the time between two checks when the server has
	// no IDLE. Default 1m.
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// ResyncInterval is the time between two checks while idling, since
	// servers may fail to notify a new message. Default 2m.
	ResyncInterval time.Duration `mapstructure:"resync_interval"`
	// Timeout bounds every exchange with the server. A server that sends
	// no response within it is disconnected. Default 60s.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxMessageBytes is the largest message fetched; larger ones are
	// left in the mailbox and logged. Default 25 MiB.
	MaxMessageBytes int64 `mapstructure:"max_message_bytes"`
	// MaxAttempts is how many times a message that fails to be fetched
	// or stored is tried before it is skipped. Default 5.
	MaxAttempts int `mapstructure:"max_attempts"`
}

// Address returns host:port.
func (m *Mailbox) Address() string {
	return net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
}

// MoveFolder returns the folder of a "move:FOLDER" action.
func (m *Mailbox) MoveFolder() (string, bool) {
	folder, ok := strings.CutPrefix(m.After, AfterMovePrefix)
	return folder, ok && folder != ""
}

// String describes the mailbox for logs. It leaves out the password.
func (m Mailbox) String() string {
	s := fmt.Sprintf("name=%s host=%s tls=%s username=%s folder=%s intake=%s after=%s",
		m.Name, m.Address(), m.TLS, m.Username, m.Folder, m.Intake, m.After)
	if m.Password != "" {
		s += " password=set"
	}
	return s
}

// GoString returns the same text as String, so that %#v does not print
// the password either.
func (m Mailbox) GoString() string {
	return "config.Mailbox{" + m.String() + "}"
}

// applyMailboxDefaults fills the mailbox settings left empty and makes
// their file paths absolute against baseDir.
func (c *Config) applyMailboxDefaults(baseDir string) {
	for _, t := range c.Tenants {
		if t == nil {
			continue
		}
		for _, m := range t.Mailboxes {
			if m != nil {
				m.applyDefaults(baseDir)
			}
		}
	}
}

func (m *Mailbox) applyDefaults(baseDir string) {
	for _, p := range []*string{&m.CAFile, &m.PasswordFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(baseDir, *p)
		}
	}
	if m.TLS == "" {
		m.TLS = MailboxTLSImplicit
	}
	if m.Port == 0 {
		m.Port = defaultIMAPPort
		if m.TLS == MailboxTLSImplicit {
			m.Port = defaultIMAPSPort
		}
	}
	if m.Folder == "" {
		m.Folder = DefaultMailboxFolder
	}
	if m.After == "" {
		m.After = AfterNone
	}
	if m.Initial == "" {
		m.Initial = InitialNew
	}
	if m.PollInterval == 0 {
		m.PollInterval = DefaultMailboxPollInterval
	}
	if m.ResyncInterval == 0 {
		m.ResyncInterval = DefaultMailboxResyncInterval
	}
	if m.Timeout == 0 {
		m.Timeout = DefaultMailboxTimeout
	}
	if m.MaxMessageBytes == 0 {
		m.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if m.MaxAttempts == 0 {
		m.MaxAttempts = DefaultMailboxMaxAttempts
	}
}

// readMailboxSecrets fills the password of every mailbox from its
// password_file or password_env.
func (c *Config) readMailboxSecrets(p *problems) {
	for i, t := range c.Tenants {
		if t == nil {
			continue
		}
		for j, m := range t.Mailboxes {
			if m == nil {
				continue
			}
			path := fmt.Sprintf("collectivites[%d].mailboxes[%d]", i, j)
			if password, ok := readPassword(p, path, m.PasswordFile, m.PasswordEnv); ok {
				m.Password = password
			}
		}
	}
}
