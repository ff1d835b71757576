package outbound

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/store"
)

// sink is a go-smtp backend that records every transaction and, when
// rcptErr is set, rejects recipients.
type sink struct {
	mu       sync.Mutex
	rcptErr  error  // returned by every RCPT when set
	username string // AUTH PLAIN is offered when set
	password string
	// insecureAuth allows AUTH without TLS.
	insecureAuth bool
	sessions     int // SMTP sessions opened

	froms, rcpts []string
	data         [][]byte
	authed       []string
	tls          []bool // whether each DATA arrived over TLS
}

func (s *sink) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &sinkSession{sink: s, conn: c}, nil
}

type sinkSession struct {
	sink *sink
	conn *smtp.Conn
	user string
}

func (s *sinkSession) AuthMechanisms() []string {
	if s.sink.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *sinkSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.sink.username || password != s.sink.password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		s.sink.mu.Lock()
		s.sink.authed = append(s.sink.authed, username)
		s.sink.mu.Unlock()
		return nil
	}), nil
}

func (s *sinkSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.sink.username != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.froms = append(s.sink.froms, from)
	return nil
}

func (s *sinkSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	if s.sink.rcptErr != nil {
		return s.sink.rcptErr
	}
	s.sink.rcpts = append(s.sink.rcpts, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	s.sink.data = append(s.sink.data, b)
	s.sink.tls = append(s.sink.tls, isTLS)
	return nil
}

func (s *sinkSession) Reset()        {}
func (s *sinkSession) Logout() error { return nil }

// startSink starts a go-smtp server on 127.0.0.1 and returns its address.
func startSink(t *testing.T, s *sink, tlsConfig *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := smtp.NewServer(s)
	srv.Domain = "sink.test"
	srv.TLSConfig = tlsConfig
	srv.AllowInsecureAuth = s.insecureAuth
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// selfSigned returns a server TLS config for 127.0.0.1 and a pool that
// trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sink.test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

func testMail() *store.OutboundMail {
	return &store.OutboundMail{
		ID:           "q1",
		Dossier:      "MAIRIE-2026-000042",
		Kind:         "aee",
		EnvelopeFrom: "r-k3x9q2@reponse.mairie.example",
		Recipients:   []string{"zoe@example.org"},
		MessageID:    "abc@sved.test",
		Raw:          []byte("From: contact@mairie.example\r\nTo: zoe@example.org\r\nSubject: test\r\n\r\n.ligne avec point\r\ncorps\r\n"),
	}
}

func relayConfig(addr, starttls string) config.Outbound {
	return config.Outbound{Transport: "smtp://" + addr, StartTLS: starttls, Timeout: 5 * time.Second}
}

func TestSMTPDeliver(t *testing.T) {
	s := &sink{}
	addr := startSink(t, s, nil)
	tr := NewSMTPTransport(relayConfig(addr, StartTLSOpportunistic), "sved.test", nil)

	detail, err := tr.Deliver(context.Background(), testMail())
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if !strings.HasPrefix(detail, "250 2.0.0 OK") {
		t.Errorf("detail = %q, want the relay's 250 reply", detail)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.froms) != 1 || s.froms[0] != "r-k3x9q2@reponse.mairie.example" {
		t.Errorf("MAIL FROM = %v", s.froms)
	}
	if len(s.rcpts) != 1 || s.rcpts[0] != "zoe@example.org" {
		t.Errorf("RCPT TO = %v", s.rcpts)
	}
	if len(s.data) != 1 || string(s.data[0]) != string(testMail().Raw) {
		t.Errorf("DATA = %q, want the raw message unchanged", s.data)
	}
}

func TestSMTPNullSender(t *testing.T) {
	s := &sink{}
	addr := startSink(t, s, nil)
	m := testMail()
	m.EnvelopeFrom = ""
	if _, err := NewSMTPTransport(relayConfig(addr, StartTLSNone), "sved.test", nil).
		Deliver(context.Background(), m); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if len(s.froms) != 1 || s.froms[0] != "" {
		t.Errorf("MAIL FROM = %q, want the null sender", s.froms)
	}
}

func TestSMTPRejections(t *testing.T) {
	tests := []struct {
		name          string
		rcptErr       error
		wantPermanent bool
	}{
		{"4xx is temporary", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}, false},
		{"5xx is permanent", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{rcptErr: tt.rcptErr}
			addr := startSink(t, s, nil)
			tr := NewSMTPTransport(relayConfig(addr, StartTLSNone), "sved.test", nil)
			_, err := tr.Deliver(context.Background(), testMail())
			if err == nil {
				t.Fatal("Deliver succeeded, want an error")
			}
			if IsPermanent(err) != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, IsPermanent(err), tt.wantPermanent)
			}
			if se := tt.rcptErr.(*smtp.SMTPError); !strings.Contains(err.Error(), se.Message) {
				t.Errorf("error %q lacks the relay's text %q", err, se.Message)
			}
		})
	}
}

func TestSMTPConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = NewSMTPTransport(relayConfig(addr, StartTLSNone), "sved.test", nil).
		Deliver(context.Background(), testMail())
	if err == nil || IsPermanent(err) {
		t.Errorf("Deliver to a closed port: err = %v, want a temporary error", err)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	tests := []struct {
		name      string
		serverTLS *tls.Config
		mode      string
		pool      *x509.CertPool
		skip      bool
		wantErr   bool
		wantTLS   bool
	}{
		{"required with trusted CA", serverTLS, StartTLSRequired, pool, false, false, true},
		{"required with skip verify", serverTLS, StartTLSRequired, nil, true, false, true},
		{"required with unknown CA", serverTLS, StartTLSRequired, nil, false, true, false},
		{"required but not offered", nil, StartTLSRequired, pool, false, true, false},
		{"opportunistic when offered", serverTLS, StartTLSOpportunistic, pool, false, false, true},
		{"opportunistic when not offered", nil, StartTLSOpportunistic, pool, false, false, false},
		{"opportunistic keeps verifying", serverTLS, StartTLSOpportunistic, nil, false, true, false},
		{"none", serverTLS, StartTLSNone, pool, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{}
			addr := startSink(t, s, tt.serverTLS)
			cfg := relayConfig(addr, tt.mode)
			cfg.TLSSkipVerify = tt.skip
			tr := NewSMTPTransport(cfg, "sved.test", nil)
			tr.RootCAs = tt.pool

			_, err := tr.Deliver(context.Background(), testMail())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Deliver: err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if IsPermanent(err) {
					t.Errorf("TLS failure %v is permanent, want temporary", err)
				}
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if len(s.tls) != 1 || s.tls[0] != tt.wantTLS {
				t.Errorf("DATA over TLS = %v, want %v", s.tls, tt.wantTLS)
			}
		})
	}
}

func TestSMTPAuth(t *testing.T) {
	serverTLS, pool := selfSigned(t)
	tests := []struct {
		name      string
		serverTLS *tls.Config
		mode      string
		password  string
		wantErr   bool
	}{
		{"plain over TLS", serverTLS, StartTLSRequired, "s3cret", false},
		{"wrong password", serverTLS, StartTLSRequired, "wrong", true},
		// The sink is on 127.0.0.1, where AUTH without TLS is allowed.
		{"plain on loopback without TLS", nil, StartTLSNone, "s3cret", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sink{username: "sved", password: "s3cret", insecureAuth: tt.serverTLS == nil}
			addr := startSink(t, s, tt.serverTLS)
			cfg := relayConfig(addr, tt.mode)
			cfg.Username = "sved"
			cfg.Password = tt.password
			var logs strings.Builder
			tr := NewSMTPTransport(cfg, "sved.test", slog.New(slog.NewTextHandler(&logs,
				&slog.HandlerOptions{Level: slog.LevelDebug})))
			tr.RootCAs = pool

			_, err := tr.Deliver(context.Background(), testMail())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Deliver: err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && IsPermanent(err) {
				t.Errorf("AUTH failure %v is permanent, want temporary", err)
			}
			if err == nil && (len(s.authed) != 1 || s.authed[0] != "sved") {
				t.Errorf("authenticated users = %v", s.authed)
			}
			if err != nil && strings.Contains(err.Error(), tt.password) {
				t.Errorf("error %q contains the password", err)
			}
			if strings.Contains(logs.String(), tt.password) {
				t.Error("log contains the password")
			}
		})
	}
}

func TestSMTPAuthRefusedWithoutTLS(t *testing.T) {
	s := &sink{username: "sved", password: "s3cret", insecureAuth: true}
	addr := startSink(t, s, nil)
	cfg := relayConfig(addr, StartTLSNone)
	cfg.Username = "sved"
	cfg.Password = "s3cret"
	tr := NewSMTPTransport(cfg, "sved.test", nil)
	// Connect to the sink on 127.0.0.1, but judge as for a remote relay.
	tr.host = "relay.example"

	_, err := tr.Deliver(context.Background(), testMail())
	if err == nil {
		t.Fatal("Deliver authenticated over plain text to a remote relay")
	}
	if IsPermanent(err) {
		t.Errorf("error %v is permanent, want temporary", err)
	}
	if len(s.authed) != 0 {
		t.Errorf("the relay saw AUTH from %v", s.authed)
	}
}

func TestRelayAddress(t *testing.T) {
	tests := []struct {
		spec, want string
		wantErr    bool
	}{
		{"smtp://relay.example:587", "relay.example:587", false},
		{"smtp://relay.example", "relay.example:25", false},
		{"smtp://[::1]:2525", "[::1]:2525", false},
		{"smtp://user:pw@relay.example", "", true},
		{"http://relay.example", "", true},
		{"smtp://relay.example/path", "", true},
	}
	for _, tt := range tests {
		got, err := relayAddress(tt.spec)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("relayAddress(%q) = %q, %v; want %q, error %v", tt.spec, got, err, tt.want, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("relayAddress error %q repeats the credentials", err)
		}
	}
}

func TestNoStartTLSText(t *testing.T) {
	// connect relies on this go-smtp error text to fall back to plain
	// text in opportunistic mode.
	s := &sink{}
	addr := startSink(t, s, nil)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_, err = smtp.NewClientStartTLS(conn, &tls.Config{})
	if err == nil || !isNoStartTLS(err) {
		t.Errorf("NewClientStartTLS without STARTTLS: err = %v, not recognised", err)
	}
}

func TestNewTransportCAFile(t *testing.T) {
	serverTLS, _ := selfSigned(t)
	s := &sink{}
	addr := startSink(t, s, serverTLS)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	block := &pem.Block{Type: "CERTIFICATE", Bytes: serverTLS.Certificates[0].Certificate[0]}
	if err := os.WriteFile(caFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := relayConfig(addr, StartTLSRequired)
	cfg.CAFile = caFile
	tr, err := NewTransport(cfg, t.TempDir(), "sved.test", nil)
	if err != nil {
		t.Fatalf("NewTransport: %v", err)
	}
	if _, err := tr.Deliver(context.Background(), testMail()); err != nil {
		t.Fatalf("Deliver with the relay's CA from ca_file: %v", err)
	}

	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := NewTransport(cfg, t.TempDir(), "sved.test", nil); err == nil {
		t.Error("NewTransport accepted a missing ca_file")
	}
}

func TestSMTPReusesConnection(t *testing.T) {
	s := &sink{}
	addr := startSink(t, s, nil)
	tr := NewSMTPTransport(relayConfig(addr, StartTLSNone), "sved.test", nil)
	defer tr.Close()
	for i := 0; i < 3; i++ {
		if _, err := tr.Deliver(context.Background(), testMail()); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.data) != 3 {
		t.Fatalf("relay received %d mails, want 3", len(s.data))
	}
	if s.sessions != 1 {
		t.Errorf("%d SMTP sessions for 3 mails, want 1 kept open", s.sessions)
	}
}

func TestSMTPReconnectsAfterIdleClose(t *testing.T) {
	s := &sink{}
	addr := startSink(t, s, nil)
	tr := NewSMTPTransport(relayConfig(addr, StartTLSNone), "sved.test", nil)
	defer tr.Close()
	if _, err := tr.Deliver(context.Background(), testMail()); err != nil {
		t.Fatal(err)
	}
	// The relay drops the idle connection, as relays do after a timeout.
	tr.mu.Lock()
	tr.idle[0].c.Close()
	tr.mu.Unlock()
	if _, err := tr.Deliver(context.Background(), testMail()); err != nil {
		t.Fatalf("delivery on a dropped idle connection: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.data) != 2 {
		t.Errorf("relay received %d mails, want 2", len(s.data))
	}
}
