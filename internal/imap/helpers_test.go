package imap

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/imap/imaptest"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

const tenantYAML = `
data_dir: %[1]s
hostname: mx.test.invalid
collectivites:
  - id: ville
    name: Ville de Test
    prefix: VILLE
    from: "Mairie de Test <contact@ville.example.fr>"
    reply:
      domain: reponse.ville.example.fr
    intake:
      - address: contact@ville.example.fr
        service: accueil
    services:
      - id: accueil
        name: Accueil
        mailbox: accueil@ville.example.fr
    mailboxes:
      - name: contact
        host: 127.0.0.1
        port: %[2]d
        tls: %[3]s
        ca_file: %[4]q
        username: %[5]s
        password_file: %[1]s/imap-password
        intake: contact@ville.example.fr
        folder: %[6]s
        after: %[7]q
        initial: %[8]s
`

// fixture is a Dovecot, a store and a pipeline, with the configuration
// of one mailbox that points at the Dovecot.
type fixture struct {
	srv     *imaptest.Server
	cfg     *config.Config
	mailbox *config.Mailbox
	store   *store.Store
	deliver *intake.Pipeline
	logs    *syncBuffer
	dir     string
}

type fixtureOptions struct {
	server   imaptest.Options
	initial  string // default all, so that tests may fill the folder first
	folder   string // default INBOX
	after    string // default none
	password string // default the server's
}

func newFixture(t testing.TB, opts fixtureOptions) *fixture {
	t.Helper()
	srv := imaptest.Start(t, opts.server)
	f := &fixture{srv: srv, dir: t.TempDir(), logs: &syncBuffer{}}
	f.store = openStore(t, f.dir)
	f.configure(t, opts)
	r, err := notify.New(f.cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	f.deliver = intake.New(func() *config.Config { return f.cfg }, f.store, r, f.logger())
	return f
}

func openStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(dir, "sved.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func (f *fixture) configure(t testing.TB, opts fixtureOptions) {
	t.Helper()
	if opts.folder == "" {
		opts.folder = "INBOX"
	}
	if opts.after == "" {
		opts.after = config.AfterNone
	}
	if opts.password == "" {
		opts.password = f.srv.Password
	}
	if opts.initial == "" {
		opts.initial = config.InitialAll
	}
	tls := opts.server.TLS
	if tls == "" {
		tls = imaptest.TLSNone
	}
	if err := os.WriteFile(filepath.Join(f.dir, "imap-password"), []byte(opts.password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := fmt.Sprintf(tenantYAML, f.dir, f.srv.Port, tls, f.srv.CAFile, f.srv.User, opts.folder, opts.after,
		opts.initial)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	f.cfg = cfg
	f.mailbox = cfg.Tenants[0].Mailboxes[0]
	// Short enough that a test does not wait on a missed notification.
	f.mailbox.ResyncInterval = 2 * time.Second
	f.mailbox.PollInterval = 200 * time.Millisecond
	f.mailbox.Timeout = 10 * time.Second
}

func (f *fixture) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// start runs a poller, after edit when set, until the test ends or the
// returned function is called.
func (f *fixture) start(t testing.TB, edit func(p *Poller)) (*Poller, func()) {
	t.Helper()
	p, err := New("ville", f.mailbox, f.deliver, f.store, f.logger())
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	stop := func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return p, stop
}

func (f *fixture) cursorKey() store.CursorKey {
	return store.CursorKey{Tenant: "ville", Mailbox: f.mailbox.Name}
}

// dossiers returns the stored dossiers, oldest first.
func (f *fixture) dossiers(t *testing.T) []string {
	t.Helper()
	list, err := f.store.List(store.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	refs := make([]string, len(list))
	for i := range list {
		refs[len(list)-1-i] = list[i].Ref
	}
	return refs
}

// waitDossiers waits until n dossiers are stored. It fails the test
// after a minute, a bound no healthy run comes near.
func (f *fixture) waitDossiers(t *testing.T, n int) []string {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d dossiers", n), func() bool { return len(f.dossiers(t)) >= n }, f)
	refs := f.dossiers(t)
	if len(refs) != n {
		t.Fatalf("dossiers = %d, want %d", len(refs), n)
	}
	return refs
}

func waitFor(t *testing.T, what string, cond func() bool, f *fixture) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\nsved log:\n%s\ndovecot log:\n%s", what, f.logs, f.srv.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mailKinds returns the kinds of the mails queued for ref.
func (f *fixture) mailKinds(t *testing.T, ref string) []string {
	t.Helper()
	mails, err := f.store.Mails(ref)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range mails {
		kinds = append(kinds, m.Kind)
	}
	return kinds
}

// request returns a distinct request from a member of the public.
func request(n int) []byte {
	return fmt.Appendf(nil, "Return-Path: <jeanne.%[1]d@example.org>\r\n"+
		"From: Jeanne Martin <jeanne.%[1]d@example.org>\r\nTo: contact@ville.example.fr\r\n"+
		"Subject: Demande %[1]d\r\nMessage-ID: <req-%[1]d@example.org>\r\n"+
		"Date: Fri, 04 Dec 2026 10:00:00 +0100\r\n\r\nBonjour, ceci est la demande %[1]d.\r\n", n)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a
// logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func imaptestNoIDLE() imaptest.Options {
	return imaptest.Options{NoIDLE: true}
}

func imaptestTLS(mode string) imaptest.Options {
	return imaptest.Options{TLS: mode}
}
