package config

import (
	"net"
	"net/url"
	"strings"
)

const (
	transportDirPrefix = "dir:"
	transportSMTP      = "smtp"
)

// StartTLS values for the smtp:// transport.
const (
	StartTLSNone          = "none"
	StartTLSOpportunistic = "opportunistic"
	StartTLSRequired      = "required"
)

// Dir returns the folder of a "dir:PATH" transport, where outbound mail
// is written as .eml files.
func (o Outbound) Dir() (string, bool) {
	dir, ok := strings.CutPrefix(o.Transport, transportDirPrefix)
	if !ok || dir == "" {
		return "", false
	}
	return dir, true
}

// Relay returns the host:port of an "smtp://host:port" transport.
func (o Outbound) Relay() (hostport string, ok bool) {
	hostport, err := parseRelay(o.Transport)
	if err != nil {
		return "", false
	}
	return hostport, true
}

// String describes the outbound settings for logs. It leaves out the
// password and reports only whether one is set.
func (o Outbound) String() string {
	var b strings.Builder
	b.WriteString("transport=" + o.Transport)
	if _, ok := o.Relay(); ok {
		b.WriteString(" starttls=" + o.StartTLS)
		if o.Username != "" {
			b.WriteString(" username=" + o.Username)
		}
		if o.Password != "" {
			b.WriteString(" password=set")
		}
	}
	return b.String()
}

// GoString returns the same text as String, so that %#v does not print
// the password either.
func (o Outbound) GoString() string {
	return "config.Outbound{" + o.String() + "}"
}

// parseRelay checks an "smtp://host:port" transport and returns
// host:port.
func parseRelay(transport string) (string, error) {
	u, err := url.Parse(transport)
	if err != nil {
		return "", err
	}
	if u.Scheme != transportSMTP || u.Opaque != "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", errBadRelay
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" || !validPort(port, false) {
		return "", errBadRelay
	}
	return u.Host, nil
}
