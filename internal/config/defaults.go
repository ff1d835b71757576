package config

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for settings left out of the file or set to zero.
const (
	DefaultDataDir         = "./data"
	DefaultListen          = "127.0.0.1:2525"
	DefaultMaxMessageBytes = 25 << 20 // 25 MiB
	DefaultMaxRecipients   = 50
	// DefaultMaxLineLength is in octets. RFC 5321 section 4.5.3.1.6 sets
	// 1000 as the minimum a server must accept. Real mail exceeds it:
	// HTML and base64 bodies without line breaks run to hundreds of
	// kilobytes, and a rejected line loses the whole request, so the
	// default accepts any line of a message up to 1 MiB. The check counts
	// octets and buffers nothing, so a large limit costs no memory.
	DefaultMaxLineLength       = 1 << 20
	DefaultReadTimeout         = 60 * time.Second
	DefaultWriteTimeout        = 60 * time.Second
	DefaultMaxConnections      = 200
	DefaultMaxConnectionsPerIP = 20
	DefaultSessionTimeout      = 10 * time.Minute
	DefaultStartTLS            = StartTLSOpportunistic
	DefaultRetryInterval       = 5 * time.Minute
	DefaultMaxAttempts         = 20
	DefaultTimeout             = 60 * time.Second
	DefaultTimeZone            = "Europe/Paris"
	DefaultDelai               = "2m"
	DefaultAckLimitPerDay      = 10
	defaultSeparator           = "+"
	defaultOutboxFolder        = "outbox"
)

// applyDefaults fills every setting left empty or zero, and makes the
// relative paths absolute against baseDir.
func (c *Config) applyDefaults(baseDir string) {
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Hostname == "" {
		c.Hostname = defaultHostname()
	}
	c.resolvePaths(baseDir)

	c.SMTP.applyDefaults()
	c.Outbound.applyDefaults(c.DataDir)
	c.Scheduler.applyDefaults()
	c.applyFormDefaults(baseDir)
	for _, t := range c.Tenants {
		if t != nil {
			t.applyDefaults()
		}
	}
	c.applyMailboxDefaults(baseDir)
}

// defaultHostname returns the machine's host name when it is a valid
// domain name, else "localhost".
func defaultHostname() string {
	name, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	if _, err := normalizeDomain(name); err != nil {
		return "localhost"
	}
	return name
}

// resolvePaths makes every file and folder path absolute against
// baseDir.
func (c *Config) resolvePaths(baseDir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(baseDir, p)
	}
	c.DataDir = abs(c.DataDir)
	c.SMTP.TLSCert = abs(c.SMTP.TLSCert)
	c.SMTP.TLSKey = abs(c.SMTP.TLSKey)
	c.Outbound.PasswordFile = abs(c.Outbound.PasswordFile)
	c.Outbound.CAFile = abs(c.Outbound.CAFile)
	if dir, ok := strings.CutPrefix(c.Outbound.Transport, transportDirPrefix); ok && dir != "" {
		c.Outbound.Transport = transportDirPrefix + abs(dir)
	}
	for _, t := range c.Tenants {
		if t != nil {
			t.Templates = abs(t.Templates)
		}
	}
}

func (s *SMTP) applyDefaults() {
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.MaxMessageBytes == 0 {
		s.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if s.MaxRecipients == 0 {
		s.MaxRecipients = DefaultMaxRecipients
	}
	if s.MaxLineLength == 0 {
		s.MaxLineLength = DefaultMaxLineLength
	}
	if s.ReadTimeout == 0 {
		s.ReadTimeout = DefaultReadTimeout
	}
	if s.WriteTimeout == 0 {
		s.WriteTimeout = DefaultWriteTimeout
	}
	if s.MaxConnections == 0 {
		s.MaxConnections = DefaultMaxConnections
	}
	if s.MaxConnectionsPerIP == 0 {
		s.MaxConnectionsPerIP = DefaultMaxConnectionsPerIP
	}
	if s.SessionTimeout == 0 {
		s.SessionTimeout = DefaultSessionTimeout
	}
	if s.MaxInflightBytes == 0 && s.MaxMessageBytes > 0 {
		s.MaxInflightBytes = 2 * s.MaxMessageBytes
	}
}

func (o *Outbound) applyDefaults(dataDir string) {
	if o.Transport == "" {
		o.Transport = transportDirPrefix + filepath.Join(dataDir, defaultOutboxFolder)
	}
	if o.StartTLS == "" {
		o.StartTLS = DefaultStartTLS
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = DefaultRetryInterval
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
}

func (t *Tenant) applyDefaults() {
	if t.TimeZone == "" {
		t.TimeZone = DefaultTimeZone
	}
	if t.Reply.Separator == "" {
		t.Reply.Separator = defaultSeparator
	}
	if t.AckLimitPerDay == 0 {
		t.AckLimitPerDay = DefaultAckLimitPerDay
	}
	t.Alerts.applyDefaults()
	t.Digest.applyDefaults()
	for _, n := range t.Natures {
		if n != nil && n.Delai == "" {
			n.Delai = DefaultDelai
		}
	}
}
