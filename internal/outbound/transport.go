package outbound

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/store"
)

// Transport moves one queued mail out of sved.
type Transport interface {
	// Deliver hands m to its destination. It returns a detail for the
	// journal (such as the relay's final reply) on success, a
	// *PermanentError when retrying cannot help, and any other error
	// for a temporary failure.
	Deliver(ctx context.Context, m *store.OutboundMail) (detail string, err error)
}

// PermanentError is a delivery failure that a retry cannot fix: a 5xx
// reply to MAIL, RCPT or DATA, or a mail without a usable recipient.
type PermanentError struct {
	Err error
}

func (e *PermanentError) Error() string {
	return "permanent failure: " + e.Err.Error()
}

func (e *PermanentError) Unwrap() error {
	return e.Err
}

// IsPermanent reports whether err is or wraps a *PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// NewTransport returns the transport that cfg.Transport names:
// "dir:PATH" gives a DirTransport, "smtp://host[:port]" an SMTPTransport.
// An empty cfg.Transport writes to dataDir/outbox.
func NewTransport(cfg config.Outbound, dataDir, hostname string, logger *slog.Logger) (Transport, error) {
	spec := cfg.Transport
	if spec == "" {
		spec = "dir:" + strings.TrimSuffix(dataDir, "/") + "/outbox"
	}
	if dir, ok := strings.CutPrefix(spec, "dir:"); ok {
		if dir == "" {
			return nil, errors.New("outbound transport dir: missing path")
		}
		return NewDirTransport(dir)
	}
	if strings.HasPrefix(spec, "smtp://") {
		if _, err := relayAddress(spec); err != nil {
			return nil, err
		}
		t := NewSMTPTransport(cfg, hostname, logger)
		if cfg.CAFile != "" {
			pool, err := loadCAFile(cfg.CAFile)
			if err != nil {
				return nil, err
			}
			t.RootCAs = pool
		}
		return t, nil
	}
	return nil, fmt.Errorf("outbound transport %q: want dir:PATH or smtp://host:port", spec)
}

// relayAddress returns the host:port of an smtp:// transport, port 25
// when none is given. Its errors never repeat a spec that holds "@", so
// that a password written into the URL by mistake stays out of logs.
func relayAddress(spec string) (string, error) {
	if strings.Contains(spec, "@") {
		return "", errors.New("outbound transport: the smtp:// URL must not contain credentials; " +
			"set username and password_file instead")
	}
	u, err := url.Parse(spec)
	if err != nil {
		return "", fmt.Errorf("outbound transport %q: %w", spec, err)
	}
	if u.Scheme != "smtp" || u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("outbound transport %q: want smtp://host:port", spec)
	}
	port := u.Port()
	if port == "" {
		port = "25"
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

// loadCAFile reads the PEM certificates that verify the relay.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("outbound.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("outbound.ca_file %s: no PEM certificate found", path)
	}
	return pool, nil
}
