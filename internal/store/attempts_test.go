package store

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestBeginAttemptsMixedStatus(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)
	ids := queueThree(t, s, clock)
	var extra []string
	for i := 1; i <= 3; i++ {
		d := mustCreate(t, s, newItem("nice", fmt.Sprintf("x%d", i), rawMessage(i)))
		extra = append(extra, d.Ref+".1")
		clock.Advance(time.Minute)
	}
	if err := s.MarkSent(ids[1], "250 ok"); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}
	if err := s.MarkFailed(ids[2], "550 no such user"); err != nil {
		t.Fatalf("MarkFailed: %v", err)
	}
	journalBefore := journalLengths(t, s, append(ids, extra...))

	next := clock.Now().Add(10 * time.Minute)
	request := []string{ids[0], ids[1], ids[2], "LYO-2026-999999.1", extra[2], extra[0]}
	begun, err := s.BeginAttempts(request, next)
	if err != nil {
		t.Fatalf("BeginAttempts: %v", err)
	}
	want := []string{ids[0], extra[2], extra[0]}
	if !slices.Equal(begun, want) {
		t.Errorf("BeginAttempts = %v, want %v", begun, want)
	}

	for _, id := range append(ids, extra...) {
		m := mailByID(t, s, id)
		wantAttempts := 0
		if slices.Contains(want, id) {
			wantAttempts = 1
			if !m.NextAttempt.Equal(next.UTC()) {
				t.Errorf("%s NextAttempt = %v, want %v", id, m.NextAttempt, next)
			}
			if m.Status != MailPending {
				t.Errorf("%s Status = %s, want pending", id, m.Status)
			}
		}
		if m.Attempts != wantAttempts {
			t.Errorf("%s Attempts = %d, want %d", id, m.Attempts, wantAttempts)
		}
	}
	if got := dueIDs(t, s, next.Add(-time.Second), 0); !slices.Equal(got, []string{extra[1]}) {
		t.Errorf("due before next = %v, want %v", got, extra[1:2])
	}
	if got := dueIDs(t, s, next, 0); len(got) != 4 {
		t.Errorf("due at next = %v, want 4 mails", got)
	}
	journalAfter := journalLengths(t, s, append(ids, extra...))
	if !slices.Equal(journalAfter, journalBefore) {
		t.Errorf("journal lengths = %v after BeginAttempts, want %v", journalAfter, journalBefore)
	}

	if err := s.MarkSent(ids[0], "250 ok"); err != nil {
		t.Fatalf("MarkSent after BeginAttempts: %v", err)
	}
	if n := journalLengths(t, s, ids[:1])[0]; n != journalBefore[0]+1 {
		t.Errorf("journal length after MarkSent = %d, want %d", n, journalBefore[0]+1)
	}
}

func TestBeginAttemptsEmpty(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	begun, err := s.BeginAttempts(nil, start2026)
	if err != nil {
		t.Fatalf("BeginAttempts(nil): %v", err)
	}
	if len(begun) != 0 {
		t.Errorf("BeginAttempts(nil) = %v, want none", begun)
	}
}

// mailByID returns the stored mail id, found through its dossier.
func mailByID(t *testing.T, s *Store, id string) OutboundMail {
	t.Helper()
	ref := id[:len(id)-len(".1")]
	mails, err := s.Mails(ref)
	if err != nil {
		t.Fatalf("Mails(%s): %v", ref, err)
	}
	for _, m := range mails {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("mail %s not found in dossier %s", id, ref)
	return OutboundMail{}
}

// journalLengths returns the number of journal events of the dossier of
// each mail in ids.
func journalLengths(t *testing.T, s *Store, ids []string) []int {
	t.Helper()
	out := make([]int, len(ids))
	for i, id := range ids {
		events, err := s.Journal(id[:len(id)-len(".1")])
		if err != nil {
			t.Fatalf("Journal of %s: %v", id, err)
		}
		out[i] = len(events)
	}
	return out
}
