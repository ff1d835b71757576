package smtp

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
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

	gosmtp "github.com/emersion/go-smtp"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/store"
)

const testConfig = `
data_dir: %s
hostname: mx.test.invalid
smtp:
  listen: 127.0.0.1:0
  max_message_bytes: %d
  max_connections: 3
%s
collectivites:
  - id: ville
    name: Ville de Test
    prefix: VILLE
    from: "Mairie de Test <contact@ville.example.fr>"
    reply:
      domain: reponse.ville.example.fr
    staff: ["@ville.example.fr"]
    intake:
      - address: contact@ville.example.fr
        service: accueil
    services:
      - id: accueil
        name: Accueil
        mailbox: accueil@ville.example.fr
    natures:
      - id: info
        label: Demande d'information
        service: accueil
        regime: aucun
`

// fakePipeline records deliveries and returns err or panics when asked.
type fakePipeline struct {
	mu    sync.Mutex
	envs  []*intake.Envelope
	err   error
	panic bool
}

func (f *fakePipeline) Deliver(_ context.Context, env *intake.Envelope) ([]intake.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.panic {
		panic("boom: internal detail")
	}
	if f.err != nil {
		return nil, f.err
	}
	f.envs = append(f.envs, env)
	return []intake.Result{{Tenant: "ville", Ref: fmt.Sprintf("VILLE-2026-%06d", len(f.envs)), Created: true}}, nil
}

// fakeTokens knows one token.
type fakeTokens struct{ token string }

func (f fakeTokens) ByToken(token string) (*dossier.Dossier, error) {
	if token == f.token {
		return &dossier.Dossier{Ref: "VILLE-2026-000001", Token: token}, nil
	}
	return nil, store.ErrNotFound
}

const knownToken = "abcdefghijklmnop"

func startServer(t *testing.T, p Deliverer, maxBytes int, extraSMTP string) string {
	t.Helper()
	_, addr := startServerOf(t, p, maxBytes, extraSMTP)
	return addr
}

// startServerOf is startServer that also returns the server.
func startServerOf(t *testing.T, p Deliverer, maxBytes int, extraSMTP string) (*Server, string) {
	t.Helper()
	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, t.TempDir(), maxBytes, extraSMTP)))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(func() *config.Config { return cfg }, p, fakeTokens{knownToken}, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, l.Addr().String()
}

// dialog is a raw SMTP client that checks each reply line.
type dialog struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) *dialog {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d := &dialog{t: t, conn: c, r: bufio.NewReader(c)}
	d.expect("220")
	return d
}

// reply reads one possibly multi-line reply and returns it whole.
func (d *dialog) reply() string {
	d.t.Helper()
	var lines []string
	d.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		line, err := d.r.ReadString('\n')
		if err != nil {
			d.t.Fatalf("read reply: %v (so far %q)", err, lines)
		}
		lines = append(lines, strings.TrimRight(line, "\r\n"))
		if len(line) < 4 || line[3] != '-' {
			return strings.Join(lines, "\n")
		}
	}
}

func (d *dialog) expect(prefix string) string {
	d.t.Helper()
	got := d.reply()
	last := got[strings.LastIndex(got, "\n")+1:]
	if !strings.HasPrefix(last, prefix) {
		d.t.Fatalf("reply %q, want prefix %q", got, prefix)
	}
	return got
}

func (d *dialog) send(line string) {
	d.t.Helper()
	if _, err := io.WriteString(d.conn, line+"\r\n"); err != nil {
		d.t.Fatal(err)
	}
}

func (d *dialog) cmd(line, want string) string {
	d.t.Helper()
	d.send(line)
	return d.expect(want)
}

const sampleMessage = "From: Jeanne <jeanne@example.org>\r\nTo: contact@ville.example.fr\r\nSubject: Demande\r\n\r\nBonjour.\r\n"

func (d *dialog) data(body string, want string) string {
	d.t.Helper()
	d.cmd("DATA", "354")
	if _, err := io.WriteString(d.conn, body+".\r\n"); err != nil {
		d.t.Fatal(err)
	}
	return d.expect(want)
}

func TestRecipientChecks(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")

	cases := []struct {
		rcpt string
		want string
	}{
		{"<contact@ville.example.fr>", "250"},
		{"<contact@VILLE.Example.FR>", "250"},
		{`<"contact"@ville.example.fr>`, "250"},
		{"<someone@example.net>", "550 5.1.1"},
		{"<other@ville.example.fr>", "550 5.1.1"},
		{"<" + knownToken + "@reponse.ville.example.fr>", "250"},
		{"<zzzzzzzzzzzzzzzz@reponse.ville.example.fr>", "550 5.1.1"},
		// RFC 5321 lets a server ignore a source route: the mailbox is ours.
		{"<@relay.example.net:contact@ville.example.fr>", "250"},
		{"<@relay.example.net:victim@example.com>", "550 5.1.1"},
	}
	for _, c := range cases {
		t.Run(c.rcpt, func(t *testing.T) {
			d.t = t
			d.cmd("RCPT TO:"+c.rcpt, c.want)
		})
	}
}

func TestNoValidRecipientNoData(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<postmaster@example.net>", "550 5.1.1")
	d.cmd("DATA", "502")
}

func TestAcceptedReplyNamesDossier(t *testing.T) {
	p := &fakePipeline{}
	addr := startServer(t, p, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	got := d.data(sampleMessage, "250 2.0.0")
	if !strings.Contains(got, "VILLE-2026-000001") {
		t.Errorf("reply %q does not name the dossier", got)
	}
	if len(p.envs) != 1 {
		t.Fatalf("deliveries = %d, want 1", len(p.envs))
	}
	env := p.envs[0]
	if env.From != "jeanne@example.org" {
		t.Errorf("envelope from = %q", env.From)
	}
	if string(env.Raw) != sampleMessage {
		t.Errorf("raw = %q, want the message verbatim", env.Raw)
	}
	if env.Channel != dossier.ChannelSMTP || !strings.HasPrefix(env.Remote, "127.0.0.1:") {
		t.Errorf("channel %q remote %q", env.Channel, env.Remote)
	}
}

func TestSizeLimit(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 2048, "")
	d := dial(t, addr)
	ehlo := d.cmd("EHLO client.example.org", "250")
	if !strings.Contains(ehlo, "SIZE 2048") {
		t.Errorf("EHLO reply %q does not announce SIZE 2048", ehlo)
	}
	d.cmd("MAIL FROM:<jeanne@example.org> SIZE=4096", "552 5.3.4")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	big := sampleMessage + strings.Repeat("x", 70) + "\r\n"
	big = big + strings.Repeat(strings.Repeat("y", 70)+"\r\n", 40)
	d.data(big, "552 5.3.4")
}

func TestLongLineAccepted(t *testing.T) {
	p := &fakePipeline{}
	addr := startServer(t, p, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	line := strings.Repeat("a", 8000)
	d.data(sampleMessage+line+"\r\n", "250")
	if !strings.Contains(string(p.envs[0].Raw), line) {
		t.Error("the long line was not stored whole")
	}
}

func TestStorageFailureIsTemporary(t *testing.T) {
	p := &fakePipeline{err: errors.New("bbolt: disk full at page 42")}
	addr := startServer(t, p, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	got := d.data(sampleMessage, "451 4.3.0")
	if strings.Contains(got, "bbolt") || strings.Contains(got, "disk") {
		t.Errorf("reply %q leaks the internal error", got)
	}
	// The session goes on after a failure.
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
}

func TestPanicIsTemporary(t *testing.T) {
	p := &fakePipeline{panic: true}
	addr := startServer(t, p, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	got := d.data(sampleMessage, "451 4.3.0")
	if strings.Contains(got, "boom") {
		t.Errorf("reply %q leaks the panic", got)
	}
}

func TestConnectionLimit(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "")
	for i := 0; i < 3; i++ {
		dial(t, addr)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(line, "421 4.7.0") {
		t.Errorf("fourth connection got %q, want 421 4.7.0", line)
	}
}

func TestStartTLSOffered(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	addr := startServer(t, &fakePipeline{}, 1<<20, fmt.Sprintf("  tls_cert: %s\n  tls_key: %s\n", cert, key))
	d := dial(t, addr)
	ehlo := d.cmd("EHLO client.example.org", "250")
	if !strings.Contains(ehlo, "STARTTLS") {
		t.Fatalf("EHLO reply %q does not offer STARTTLS", ehlo)
	}
	d.cmd("STARTTLS", "220")
}

func TestNoStartTLSWithoutCertificate(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "")
	d := dial(t, addr)
	if ehlo := d.cmd("EHLO client.example.org", "250"); strings.Contains(ehlo, "STARTTLS") {
		t.Errorf("EHLO reply %q offers STARTTLS with no certificate", ehlo)
	}
}

func writeSelfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath = filepath.Join(dir, "cert.pem")
	keyPath = filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certPath, keyPath
}

func TestStartTLSDelivery(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	p := &fakePipeline{}
	addr := startServer(t, p, 1<<20, fmt.Sprintf("  tls_cert: %s\n  tls_key: %s\n", cert, key))

	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	c, err := gosmtp.DialStartTLS(addr, &tls.Config{ServerName: "localhost", RootCAs: roots})
	if err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	defer c.Close()
	if _, ok := c.TLSConnectionState(); !ok {
		t.Fatal("connection is not encrypted after STARTTLS")
	}
	if err := c.SendMail("jeanne@example.org", []string{"contact@ville.example.fr"},
		strings.NewReader(sampleMessage)); err != nil {
		t.Fatalf("send over TLS: %v", err)
	}
	if len(p.envs) != 1 {
		t.Errorf("deliveries = %d, want 1", len(p.envs))
	}
}

func TestConnectionLimitPerIP(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "  max_connections_per_ip: 2\n")
	dial(t, addr)
	dial(t, addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if !strings.HasPrefix(line, "421 4.7.0") {
		t.Errorf("third connection from one IP got %q, want 421 4.7.0", line)
	}
}

func TestSessionTimeoutEndsBusySession(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "  session_timeout: 1s\n")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	start := time.Now()
	// A client that keeps talking is still cut off at the session timeout.
	for time.Since(start) < 5*time.Second {
		d.send("NOOP")
		d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := d.r.ReadString('\n'); err != nil {
			if time.Since(start) < 900*time.Millisecond {
				t.Fatalf("closed after %v, before the session timeout", time.Since(start))
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("session still open 5s after a 1s session timeout")
}

func TestInflightBudgetDefersMessage(t *testing.T) {
	srv, addr := startServerOf(t, &fakePipeline{}, 400<<10, "  max_inflight_bytes: 512000\n")
	body := func(c string) string {
		return sampleMessage + strings.Repeat(strings.Repeat(c, 998)+"\r\n", 300)
	}

	// The first session holds about 256 KiB of an unfinished message: DATA
	// is read and counted in chunks of 64 KiB.
	first := dial(t, addr)
	first.cmd("EHLO client.example.org", "250")
	first.cmd("MAIL FROM:<a@example.org>", "250")
	first.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	first.cmd("DATA", "354")
	io.WriteString(first.conn, body("x"))
	// The server reads the bytes in its own time; the second message must
	// come once they are counted, or it would take the budget first.
	for deadline := time.Now().Add(10 * time.Second); inUse(srv) < 256<<10; {
		if time.Now().After(deadline) {
			t.Fatalf("the server counted %d bytes of the first message after 10s", inUse(srv))
		}
		time.Sleep(10 * time.Millisecond)
	}

	second := dial(t, addr)
	second.cmd("EHLO client.example.org", "250")
	second.cmd("MAIL FROM:<b@example.org>", "250")
	second.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	second.data(body("y"), "451 4.3.1")

	// Once the first message ends, its bytes are free again.
	io.WriteString(first.conn, ".\r\n")
	first.expect("250")
	second.cmd("MAIL FROM:<b@example.org>", "250")
	second.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	second.data(body("y"), "250")
}

// inUse returns the bytes of the server's budget in use.
func inUse(s *Server) int64 {
	s.budget.mu.Lock()
	defer s.budget.mu.Unlock()
	return s.budget.inUse
}

func TestLongLineRejectedPermanently(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "  max_line_length: 1000\n")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ville.example.fr>", "250")
	got := d.data(sampleMessage+strings.Repeat("z", 3000)+"\r\n", "554 5.6.0")
	if !strings.Contains(got, "1000") {
		t.Errorf("reply %q does not give the limit", got)
	}
}

func TestNonASCIIAddressNeedsSMTPUTF8(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jé@example.org>", "553 5.6.7")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	d.cmd("RCPT TO:<contact@ｍairie.example.fr>", "553 5.6.7")
}

func TestTooManyRejectedRecipientsCloses(t *testing.T) {
	addr := startServer(t, &fakePipeline{}, 1<<20, "")
	d := dial(t, addr)
	d.cmd("EHLO client.example.org", "250")
	d.cmd("MAIL FROM:<jeanne@example.org>", "250")
	for i := 1; i < maxRejectedRecipients; i++ {
		d.cmd(fmt.Sprintf("RCPT TO:<probe%d@ville.example.fr>", i), "550 5.1.1")
	}
	d.cmd("RCPT TO:<last@ville.example.fr>", "421 4.7.0")
	d.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := d.r.ReadString('\n'); err == nil {
		t.Error("connection still open after too many rejected recipients")
	}
}
