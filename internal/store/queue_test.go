package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

// queueThree creates three dossiers a minute apart and returns their
// mail IDs, oldest first.
func queueThree(t *testing.T, s *Store, clock *testClock) []string {
	t.Helper()
	var ids []string
	for i := 1; i <= 3; i++ {
		d := mustCreate(t, s, newItem("lyon", fmt.Sprintf("k%d", i), rawMessage(i)))
		mails, err := s.Mails(d.Ref)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, mails[0].ID)
		clock.Advance(time.Minute)
	}
	return ids
}

func dueIDs(t *testing.T, s *Store, now time.Time, limit int) []string {
	t.Helper()
	due, err := s.DueMails(now, limit)
	if err != nil {
		t.Fatalf("DueMails: %v", err)
	}
	ids := make([]string, len(due))
	for i, m := range due {
		ids[i] = m.ID
	}
	return ids
}

func TestDueMailsOrderAndLimit(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)
	ids := queueThree(t, s, clock)

	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []string
	}{
		{"before all", start2026.Add(-time.Second), 0, []string{}},
		{"first only", start2026, 0, ids[:1]},
		{"first two", start2026.Add(90 * time.Second), 0, ids[:2]},
		{"all", start2026.Add(time.Hour), 0, ids},
		{"limit", start2026.Add(time.Hour), 2, ids[:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dueIDs(t, s, tt.now, tt.limit); !slices.Equal(got, tt.want) {
				t.Errorf("DueMails = %v, want %v", got, tt.want)
			}
		})
	}

	due, err := s.DueMails(start2026, 1)
	if err != nil {
		t.Fatal(err)
	}
	m := due[0]
	if m.ID != "LYO-2026-000001.1" || m.Dossier != "LYO-2026-000001" || m.Tenant != "lyon" {
		t.Errorf("mail identity = %s %s %s", m.ID, m.Dossier, m.Tenant)
	}
	if !bytes.HasPrefix(m.Raw, []byte("Subject: Accusé d'enregistrement LYO-2026-000001")) {
		t.Errorf("Raw = %q", m.Raw)
	}
	if m.Status != MailPending || m.Attempts != 0 || !m.CreatedAt.Equal(start2026) {
		t.Errorf("mail state = %s, %d attempts, created %v", m.Status, m.Attempts, m.CreatedAt)
	}
}

func TestQueueTransitions(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)
	ids := queueThree(t, s, clock)
	later := start2026.Add(time.Hour)

	next, ok := s.NextDue()
	if !ok || !next.Equal(start2026) {
		t.Errorf("NextDue = %v, %v, want %v, true", next, ok, start2026)
	}

	// BeginAttempt moves the first mail past the others.
	if err := s.BeginAttempt(ids[0], later); err != nil {
		t.Fatalf("BeginAttempt: %v", err)
	}
	if got := dueIDs(t, s, start2026.Add(10*time.Minute), 0); !slices.Equal(got, ids[1:]) {
		t.Errorf("due after BeginAttempt = %v, want %v", got, ids[1:])
	}
	next, _ = s.NextDue()
	if !next.Equal(start2026.Add(time.Minute)) {
		t.Errorf("NextDue after BeginAttempt = %v, want %v", next, start2026.Add(time.Minute))
	}

	if err := s.MarkDeferred(ids[0], later.Add(time.Hour), "451 4.3.0 try later"); err != nil {
		t.Fatalf("MarkDeferred: %v", err)
	}
	if err := s.MarkFailed(ids[1], "550 5.1.1 unknown user"); err != nil {
		t.Fatalf("MarkFailed: %v", err)
	}
	if err := s.MarkSent(ids[2], "250 2.0.0 ok"); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}

	if got := dueIDs(t, s, later, 0); len(got) != 0 {
		t.Errorf("due at %v = %v, want none", later, got)
	}
	if got := dueIDs(t, s, later.Add(time.Hour), 0); !slices.Equal(got, ids[:1]) {
		t.Errorf("due after deferral = %v, want %v", got, ids[:1])
	}
	next, ok = s.NextDue()
	if !ok || !next.Equal(later.Add(time.Hour)) {
		t.Errorf("NextDue = %v, %v, want %v", next, ok, later.Add(time.Hour))
	}

	checkMail(t, s, "LYO-2026-000001", MailPending, 1, "451 4.3.0 try later")
	checkMail(t, s, "LYO-2026-000002", MailFailed, 0, "550 5.1.1 unknown user")
	checkMail(t, s, "LYO-2026-000003", MailSent, 0, "")

	checkLastEvent(t, s, "LYO-2026-000001", dossier.EventMailDeferred, "error", "451 4.3.0 try later")
	checkLastEvent(t, s, "LYO-2026-000002", dossier.EventMailFailed, "error", "550 5.1.1 unknown user")
	checkLastEvent(t, s, "LYO-2026-000003", dossier.EventMailSent, "detail", "250 2.0.0 ok")

	for _, id := range ids[1:] {
		if err := s.MarkSent(id, "250 ok"); !errors.Is(err, ErrNotPending) {
			t.Errorf("MarkSent(%s) after the end: error = %v, want ErrNotPending", id, err)
		}
		if err := s.BeginAttempt(id, later); !errors.Is(err, ErrNotPending) {
			t.Errorf("BeginAttempt(%s) after the end: error = %v, want ErrNotPending", id, err)
		}
	}
	if err := s.MarkSent("nope", "250 ok"); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkSent(nope): error = %v, want ErrNotFound", err)
	}

	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 1 || st.Sent != 1 || st.Failed != 1 {
		t.Errorf("Stats = %+v, want 1 pending, 1 sent, 1 failed", st)
	}

	for _, id := range ids {
		if err := s.MarkSent(id, "250 ok"); err != nil && !errors.Is(err, ErrNotPending) {
			t.Fatal(err)
		}
	}
	if next, ok := s.NextDue(); ok {
		t.Errorf("NextDue with an empty queue = %v, true", next)
	}
}

func checkMail(t *testing.T, s *Store, ref string, status MailStatus, attempts int, lastError string) {
	t.Helper()
	mails, err := s.Mails(ref)
	if err != nil {
		t.Fatal(err)
	}
	m := mails[0]
	if m.Status != status || m.Attempts != attempts || m.LastError != lastError {
		t.Errorf("mail of %s = %s, %d attempts, %q; want %s, %d, %q", ref,
			m.Status, m.Attempts, m.LastError, status, attempts, lastError)
	}
}

func checkLastEvent(t *testing.T, s *Store, ref string, kind dossier.EventKind, field, value string) {
	t.Helper()
	events, err := s.Journal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := dossier.VerifyChain(events); err != nil {
		t.Errorf("journal of %s: %v", ref, err)
	}
	e := events[len(events)-1]
	if e.Kind != kind || e.Actor != "outbound" {
		t.Errorf("last event of %s = %s by %s, want %s by outbound", ref, e.Kind, e.Actor, kind)
	}
	if e.Fields[field] != value {
		t.Errorf("last event of %s: %s = %q, want %q", ref, field, e.Fields[field], value)
	}
	if e.Fields["kind"] != "aee" || e.Fields["to"] != "jeanne@example.org" ||
		e.Fields["message_id"] != "aee."+ref+"@mairie.example" {
		t.Errorf("last event of %s: fields = %v", ref, e.Fields)
	}
}

func TestWakeAfterQueueing(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	select {
	case <-s.Wake():
		t.Fatal("Wake fired before anything was queued")
	default:
	}

	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))
	select {
	case <-s.Wake():
	case <-time.After(time.Second):
		t.Fatal("no Wake after a Create that queued mail")
	}

	silent := func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		return nil, nil, nil
	}
	nd := newItem("lyon", "k2", rawMessage(2))
	nd.Build = silent
	mustCreate(t, s, nd)
	if _, err := s.AddMessage(t.Context(), d.Ref, []byte("x"), "r1", silent); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Wake():
		t.Error("Wake fired after commits that queued no mail")
	default:
	}

	// Two commits before the worker reads leave one signal.
	mustCreate(t, s, newItem("lyon", "k3", rawMessage(3)))
	mustCreate(t, s, newItem("lyon", "k4", rawMessage(4)))
	<-s.Wake()
	select {
	case <-s.Wake():
		t.Error("Wake kept more than one signal")
	default:
	}
}
