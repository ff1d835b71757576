package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

var errBadRelay = errors.New("invalid relay")

// Validate checks the whole configuration and returns a *ValidationError
// that lists every problem, or nil. It also loads each tenant's Location
// from its time zone. It expects defaults to be applied, as Load and
// Parse do, and reads no secret.
func (c *Config) Validate() error {
	var p problems
	c.validateGlobal(&p)
	c.SMTP.validate(&p)
	c.Outbound.validate(&p)
	c.Scheduler.validate(&p)
	c.HTTP.validate(&p)
	c.validateTenants(&p)
	c.validateForms(&p)
	c.validateMailboxLoops(&p)
	return p.err()
}

func (c *Config) validateGlobal(p *problems) {
	if c.DataDir == "" {
		p.add("data_dir", "missing; name the folder for the database, like ./data")
	}
	if _, err := normalizeDomain(c.Hostname); err != nil {
		p.add("hostname", "invalid host name %q; write a domain name like mx.example.fr", c.Hostname)
	}
}

func (s *SMTP) validate(p *problems) {
	if err := checkListen(s.Listen); err != nil {
		p.add("smtp.listen", "invalid address %q; write it as host:port, like 127.0.0.1:2525", s.Listen)
	}
	checkNotNegative(p, "smtp.max_message_bytes", s.MaxMessageBytes)
	checkNotNegative(p, "smtp.max_recipients", int64(s.MaxRecipients))
	checkNotNegative(p, "smtp.max_line_length", int64(s.MaxLineLength))
	checkNotNegative(p, "smtp.max_connections", int64(s.MaxConnections))
	checkNotNegative(p, "smtp.max_connections_per_ip", int64(s.MaxConnectionsPerIP))
	checkNotNegative(p, "smtp.max_inflight_bytes", s.MaxInflightBytes)
	if s.MaxInflightBytes > 0 && s.MaxInflightBytes < s.MaxMessageBytes {
		p.add("smtp.max_inflight_bytes", "%d is below max_message_bytes (%d), so the largest message could never be received; raise it",
			s.MaxInflightBytes, s.MaxMessageBytes)
	}
	checkDuration(p, "smtp.session_timeout", s.SessionTimeout)
	checkDuration(p, "smtp.read_timeout", s.ReadTimeout)
	checkDuration(p, "smtp.write_timeout", s.WriteTimeout)

	switch {
	case s.TLSCert != "" && s.TLSKey == "":
		p.add("smtp.tls_key", "missing; tls_cert is set, so name the file of its private key")
	case s.TLSCert == "" && s.TLSKey != "":
		p.add("smtp.tls_cert", "missing; tls_key is set, so name the file of its certificate")
	}
	checkRegularFile(p, "smtp.tls_cert", s.TLSCert)
	checkRegularFile(p, "smtp.tls_key", s.TLSKey)
}

func (o *Outbound) validate(p *problems) {
	_, isDir := o.Dir()
	_, err := parseRelay(o.Transport)
	if !isDir && err != nil {
		p.add("outbound.transport",
			"invalid transport %q; use dir:PATH to write .eml files or smtp://host:port for a relay",
			o.Transport)
	}

	switch o.StartTLS {
	case StartTLSNone, StartTLSOpportunistic, StartTLSRequired:
	default:
		p.add("outbound.starttls", "invalid value %q; use one of: %s, %s, %s",
			o.StartTLS, StartTLSNone, StartTLSOpportunistic, StartTLSRequired)
	}

	hasPasswordSource := o.PasswordFile != "" || o.PasswordEnv != "" || o.Password != ""
	switch {
	case o.Username != "" && !hasPasswordSource:
		p.add("outbound.username", "set without a password; add password_file or password_env")
	case o.Username == "" && hasPasswordSource:
		p.add("outbound.username", "missing; a relay password is set, so give the user name it belongs to")
	}

	checkRegularFile(p, "outbound.ca_file", o.CAFile)
	checkDuration(p, "outbound.retry_interval", o.RetryInterval)
	checkDuration(p, "outbound.timeout", o.Timeout)
	checkNotNegative(p, "outbound.max_attempts", int64(o.MaxAttempts))
}

// checkListen checks a host:port listen address. The host may be empty
// (all interfaces) and the port may be 0 (any free port).
func checkListen(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if !validPort(port, true) {
		return fmt.Errorf("invalid port %q", port)
	}
	return nil
}

// validPort reports whether port is a decimal TCP port number.
func validPort(port string, allowZero bool) bool {
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return false
	}
	return n > 0 || allowZero
}

func checkNotNegative(p *problems, path string, n int64) {
	if n < 0 {
		p.add(path, "must not be negative, got %d; use 0 for the default", n)
	}
}

func checkDuration(p *problems, path string, d time.Duration) {
	if d < 0 {
		p.add(path, "must not be negative, got %s; write it like 60s or 5m", d)
	}
}

// checkRegularFile checks that path, when set, names a regular file. The
// content is left to the code that uses the file.
func checkRegularFile(p *problems, key, path string) {
	if path == "" {
		return
	}
	info, err := os.Stat(path)
	if err != nil {
		p.add(key, "cannot read file: %v", err)
		return
	}
	if !info.Mode().IsRegular() {
		p.add(key, "%s is not a regular file", path)
	}
}

// checkText checks a human-readable value that goes into mail headers or
// text. Control characters are rejected so that no value can start a new
// header line. A multi-line value may contain line feeds.
func checkText(p *problems, path, value string, multiline bool) {
	for _, r := range value {
		if r == '\n' && multiline {
			continue
		}
		if r < 0x20 || r == 0x7f {
			p.add(path, "contains the control character %q; remove it", r)
			return
		}
	}
}

// oneOf formats the allowed values for a message, like "a, b, c".
func oneOf(values []string) string {
	return strings.Join(values, ", ")
}
