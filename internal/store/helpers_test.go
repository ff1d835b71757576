package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

// testClock is a settable clock for Options.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var paris = mustLoadLocation("Europe/Paris")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// openTest opens a store in a fresh temporary directory and closes it at
// the end of the test.
func openTest(t testing.TB, clock *testClock) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sved.db")
	s, err := Open(path, Options{Now: clock.Now, LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// newItem returns a NewDossier of tenant whose Build queues one
// acknowledgement to the requester and journals it.
func newItem(tenant, dedupKey string, raw []byte) *NewDossier {
	return &NewDossier{
		Dossier: dossier.Dossier{
			Tenant:     tenant,
			Channel:    dossier.ChannelSMTP,
			Requester:  dossier.Address{Name: "Jeanne Martin", Addr: "jeanne@example.org"},
			Subject:    "Demande d'acte de naissance",
			Recipients: []string{"mairie@" + tenant + ".example"},
			MessageID:  "msg-" + dedupKey + "@example.org",
			Token:      "tok-" + tenant + "-" + dedupKey,
		},
		Prefix:   prefixOf(tenant),
		Location: paris,
		Raw:      raw,
		DedupKey: dedupKey,
		Build:    buildAEE,
	}
}

func prefixOf(tenant string) string {
	switch tenant {
	case "lyon":
		return "LYO"
	case "nice":
		return "NCE"
	}
	return "TST"
}

func buildAEE(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
	m := OutboundMail{
		Kind:       "aee",
		Recipients: []string{d.Requester.Addr},
		MessageID:  "aee." + d.Ref + "@mairie.example",
		Raw:        []byte("Subject: Accusé d'enregistrement " + d.Ref + "\r\n\r\nBonjour\r\n"),
	}
	e := dossier.Event{
		Kind:   dossier.EventMailQueued,
		Actor:  "sved",
		Fields: map[string]string{"kind": "aee"},
	}
	return []dossier.Event{e}, []OutboundMail{m}, nil
}

func mustCreate(t testing.TB, s *Store, nd *NewDossier) *dossier.Dossier {
	t.Helper()
	d, created, err := s.Create(context.Background(), nd)
	if err != nil {
		t.Fatalf("Create(%s): %v", nd.DedupKey, err)
	}
	if !created {
		t.Fatalf("Create(%s): created = false, want true", nd.DedupKey)
	}
	return d
}

func rawMessage(n int) []byte {
	return []byte(fmt.Sprintf("From: jeanne@example.org\r\nSubject: test %d\r\n\r\nBonjour %d\r\n", n, n))
}

func journalKinds(events []dossier.Event) []dossier.EventKind {
	kinds := make([]dossier.EventKind, len(events))
	for i, e := range events {
		kinds[i] = e.Kind
	}
	return kinds
}
