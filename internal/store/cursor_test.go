package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

var testCursorKey = CursorKey{Tenant: "lyon", Mailbox: "contact"}

func imapItem(n int, uidValidity, uid uint32) *NewDossier {
	nd := newItem("lyon", "k"+string(rune('a'+n)), rawMessage(n))
	nd.Dossier.Channel = dossier.ChannelIMAP
	nd.Cursor = &CursorMark{Key: testCursorKey, UIDValidity: uidValidity, UID: uid}
	return nd
}

func mustCursor(t *testing.T, s *Store) Cursor {
	t.Helper()
	c, err := s.Cursor(testCursorKey)
	if err != nil {
		t.Fatalf("Cursor: %v", err)
	}
	return c
}

func TestCursorCommittedWithDossier(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	if c := mustCursor(t, s); c.UIDValidity != 0 || c.LastUID != 0 {
		t.Fatalf("cursor of an unread mailbox = %+v, want zero", c)
	}
	mustCreate(t, s, imapItem(0, 7, 3))
	if c := mustCursor(t, s); c.UIDValidity != 7 || c.LastUID != 3 {
		t.Fatalf("cursor = %+v, want UIDVALIDITY 7, LastUID 3", c)
	}
}

func TestCursorMovesOnDuplicate(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	first := mustCreate(t, s, imapItem(0, 7, 3))

	// The same message, read again after the folder was recreated.
	again := imapItem(0, 8, 1)
	d, created, err := s.Create(context.Background(), again)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if created || d.Ref != first.Ref {
		t.Fatalf("Create = %s, created %v; want the existing %s", d.Ref, created, first.Ref)
	}
	if c := mustCursor(t, s); c.UIDValidity != 8 || c.LastUID != 1 {
		t.Fatalf("cursor = %+v, want UIDVALIDITY 8, LastUID 1", c)
	}
	mails, err := s.DueMails(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 {
		t.Errorf("queued mails = %d, want 1 (no second AEE)", len(mails))
	}
}

func TestCursorNeverMovesBackwards(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	mustCreate(t, s, imapItem(0, 7, 10))
	mustCreate(t, s, imapItem(1, 7, 4))
	if c := mustCursor(t, s); c.LastUID != 10 {
		t.Fatalf("LastUID = %d after a lower mark, want 10", c.LastUID)
	}
	c, err := s.UpdateCursor(context.Background(), testCursorKey, 7, func(c *Cursor) {
		c.LastUID = 2
		c.ActionUID = 9
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.LastUID != 10 || c.ActionUID != 9 {
		t.Fatalf("cursor = %+v, want LastUID 10, ActionUID 9", c)
	}
	c, err = s.UpdateCursor(context.Background(), testCursorKey, 7, func(c *Cursor) { c.ActionUID = 1 })
	if err != nil {
		t.Fatal(err)
	}
	if c.ActionUID != 9 {
		t.Fatalf("ActionUID = %d after a lower update, want 9", c.ActionUID)
	}
}

func TestCursorFailuresAndSkipped(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	ctx := context.Background()
	fail := func(uid uint32) int {
		c, err := s.UpdateCursor(ctx, testCursorKey, 7, func(c *Cursor) {
			if c.Failures == nil {
				c.Failures = map[uint32]int{}
			}
			c.Failures[uid]++
		})
		if err != nil {
			t.Fatal(err)
		}
		return c.Failures[uid]
	}
	fail(5)
	if n := fail(5); n != 2 {
		t.Fatalf("failures of UID 5 = %d, want 2", n)
	}
	fail(6)
	if _, err := s.UpdateCursor(ctx, testCursorKey, 7, func(c *Cursor) {
		c.Skipped = append(c.Skipped, 5)
		c.LastUID = 5
	}); err != nil {
		t.Fatal(err)
	}
	c := mustCursor(t, s)
	if _, ok := c.Failures[5]; ok {
		t.Errorf("failure count of UID 5 kept after LastUID passed it: %v", c.Failures)
	}
	if c.Failures[6] != 1 {
		t.Errorf("failure count of UID 6 = %d, want 1", c.Failures[6])
	}
	if !slices.Equal(c.Skipped, []uint32{5}) {
		t.Errorf("Skipped = %v, want [5]", c.Skipped)
	}
	if _, err := s.UpdateCursor(ctx, testCursorKey, 7, func(c *Cursor) { c.ActionUID = 5 }); err != nil {
		t.Fatal(err)
	}
	if c := mustCursor(t, s); c.Skipped != nil {
		t.Errorf("Skipped = %v after ActionUID passed them, want none", c.Skipped)
	}

	// Another UIDVALIDITY starts from zero.
	c, err := s.UpdateCursor(ctx, testCursorKey, 8, func(c *Cursor) {})
	if err != nil {
		t.Fatal(err)
	}
	if c.UIDValidity != 8 || c.LastUID != 0 || c.Failures != nil {
		t.Errorf("cursor after a UIDVALIDITY change = %+v, want a zero cursor of 8", c)
	}
}

func TestCursorRolledBackWithFailedCreate(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	nd := imapItem(0, 7, 3)
	nd.Build = func(*dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		return nil, nil, errors.New("template broken")
	}
	if _, _, err := s.Create(context.Background(), nd); err == nil {
		t.Fatal("Create succeeded with a failing Build")
	}
	if c := mustCursor(t, s); c.LastUID != 0 {
		t.Fatalf("cursor = %+v after a failed Create, want zero", c)
	}
}

func TestCursorInvalidKey(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	nd := imapItem(0, 7, 3)
	nd.Cursor.Key.Mailbox = ""
	if _, _, err := s.Create(context.Background(), nd); err == nil {
		t.Error("Create accepted a cursor without a mailbox name")
	}
	if _, err := s.UpdateCursor(context.Background(), CursorKey{Tenant: "a\x00b", Mailbox: "m"}, 1,
		func(*Cursor) {}); err == nil {
		t.Error("UpdateCursor accepted a tenant with a NUL byte")
	}
}
