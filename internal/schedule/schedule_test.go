package schedule

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime"
	"net/mail"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

const testConfig = `
hostname: mx.test.invalid
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
      - address: urbanisme@ville.example.fr
        nature: cu
      - address: etat-civil@ville.example.fr
        nature: acte
    services:
      - {id: accueil, name: Accueil, mailbox: accueil@ville.example.fr}
      - {id: urbanisme, name: Urbanisme, mailbox: urba@ville.example.fr}
      - {id: etat-civil, name: État civil, mailbox: ec@ville.example.fr}
    natures:
      - {id: cu, label: Certificat d'urbanisme, service: urbanisme, regime: accord, delai: 2m}
      - {id: acte, label: Copie d'acte, service: etat-civil, regime: rejet, delai: 1m}
`

var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()

// clock is the fake clock shared by the store, the pipeline and the
// scheduler.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

type fixture struct {
	t     *testing.T
	cfg   *config.Config
	clock *clock
	path  string
	store *store.Store
	r     *notify.Renderer
	log   *slog.Logger
	sched *Scheduler
}

func newFixture(t *testing.T, yaml string, start time.Time) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	r, err := notify.New(cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, cfg: cfg, clock: &clock{t: start}, r: r,
		path: filepath.Join(t.TempDir(), "sved.db"),
		log:  slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.open()
	t.Cleanup(func() { f.store.Close() })
	return f
}

// open opens the store and a new scheduler, as a start of sved does.
func (f *fixture) open() {
	f.t.Helper()
	st, err := store.Open(f.path, store.Options{Now: f.clock.Now, LockTimeout: time.Second})
	if err != nil {
		f.t.Fatal(err)
	}
	f.store = st
	f.sched = New(func() *config.Config { return f.cfg }, st, f.r, f.log, f.clock.Now)
}

// restart closes the store and opens it again with a new scheduler.
func (f *fixture) restart() {
	f.t.Helper()
	if err := f.store.Close(); err != nil {
		f.t.Fatal(err)
	}
	f.open()
}

// deliver stores a request to rcpt and marks its AEE sent when sendAEE.
func (f *fixture) deliver(rcpt, subject string, sendAEE bool) string {
	f.t.Helper()
	p := intake.New(func() *config.Config { return f.cfg }, f.store, f.r, f.log)
	raw := "From: Jeanne Martin <jeanne@example.org>\r\nTo: " + rcpt + "\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + strings.ReplaceAll(subject, " ", "-") + "@example.org>\r\n\r\nBonjour.\r\n"
	res, err := p.Deliver(context.Background(), &intake.Envelope{Channel: dossier.ChannelSMTP,
		From: "jeanne@example.org", Recipients: []string{rcpt}, Raw: []byte(raw)})
	if err != nil || len(res) != 1 {
		f.t.Fatalf("Deliver: %v, %v", res, err)
	}
	ref := res[0].Ref
	if sendAEE {
		mails, err := f.store.Mails(ref)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, m := range mails {
			if m.Kind == notify.KindAEE {
				if err := f.store.MarkSent(m.ID, "250 ok"); err != nil {
					f.t.Fatal(err)
				}
			}
		}
	}
	return ref
}

// tick sets the clock to the Paris time given as "2006-01-02 15:04" and
// makes a pass.
func (f *fixture) tick(at string) Report {
	f.t.Helper()
	ts, err := time.ParseInLocation("2006-01-02 15:04", at, paris)
	if err != nil {
		f.t.Fatal(err)
	}
	f.clock.Set(ts)
	rep, err := f.sched.Tick(context.Background())
	if err != nil {
		f.t.Fatalf("Tick at %s: %v", at, err)
	}
	return rep
}

// alerts returns the alert mails of ref, each as the value of its
// X-Sved-Alert header and the dates in its subject.
func (f *fixture) alerts(ref string) []string {
	f.t.Helper()
	mails, err := f.store.Mails(ref)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, m := range mails {
		if m.Kind == notify.KindAlert {
			out = append(out, subjectOf(f.t, f.store, m.ID))
		}
	}
	return out
}

func subjectOf(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	raw, err := st.MailRaw(id)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// digests returns the IDs of the queued digests.
func (f *fixture) digests() []string {
	f.t.Helper()
	due, err := f.store.DueMails(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil {
		f.t.Fatal(err)
	}
	var ids []string
	for _, m := range due {
		if m.Kind == notify.KindDigest {
			ids = append(ids, m.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func at(s string) time.Time {
	ts, err := time.ParseInLocation("2006-01-02 15:04", s, paris)
	if err != nil {
		panic(err)
	}
	return ts
}
