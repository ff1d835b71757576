package imaptest

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Client is a logged-in IMAP connection to the server, for tests that
// append mail over IMAP.
type Client struct {
	*imapclient.Client
}

// Dial connects to the server with its TLS mode and logs in as User.
func (s *Server) Dial() (*Client, error) {
	opts := &imapclient.Options{}
	var c *imapclient.Client
	var err error
	switch s.tls {
	case TLSNone:
		c, err = imapclient.DialInsecure(s.Addr(), opts)
	default:
		pem, rerr := os.ReadFile(s.CAFile)
		if rerr != nil {
			return nil, rerr
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		opts.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
		if s.tls == TLSImplicit {
			c, err = imapclient.DialTLS(s.Addr(), opts)
		} else {
			c, err = imapclient.DialStartTLS(s.Addr(), opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", s.Addr(), err)
	}
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login: %w", err)
	}
	return &Client{c}, nil
}

// Append appends raw to folder with IMAP APPEND.
func (c *Client) Append(folder string, raw []byte) error {
	cmd := c.Client.Append(folder, int64(len(raw)), nil)
	if _, err := cmd.Write(raw); err != nil {
		cmd.Close()
		return fmt.Errorf("append: %w", err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("append: %w", err)
	}
	return nil
}

// Logout logs out and closes the connection.
func (c *Client) Logout() {
	c.Client.Logout().Wait()
	c.Client.Close()
}
