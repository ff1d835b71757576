package store

import (
	"errors"
	"testing"
)

func TestByMessageID(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	d := mustCreate(t, s, newItem("lyon", "a", rawMessage(1)))
	mustCreate(t, s, newItem("nice", "a", rawMessage(1)))

	for _, id := range []string{"msg-a@example.org", "<msg-a@example.org>", " <msg-a@example.org> "} {
		ref, err := s.ByMessageID("lyon", id)
		if err != nil || ref != d.Ref {
			t.Errorf("ByMessageID(lyon, %q) = %q, %v; want %s", id, ref, err, d.Ref)
		}
	}
	if ref, err := s.ByMessageID("nice", "msg-a@example.org"); err != nil || ref == d.Ref {
		t.Errorf("ByMessageID(nice) = %q, %v; want the Nice dossier", ref, err)
	}
	for _, id := range []string{"", "<>", "other@example.org"} {
		if _, err := s.ByMessageID("lyon", id); !errors.Is(err, ErrNotFound) {
			t.Errorf("ByMessageID(lyon, %q): err = %v, want ErrNotFound", id, err)
		}
	}

	// The mails sved sends for the dossier thread onto it once their
	// journal event names them.
	mails, err := s.Mails(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(mails[0].ID, "250 ok"); err != nil {
		t.Fatal(err)
	}
	if ref, err := s.ByMessageID("lyon", "<"+mails[0].MessageID+">"); err != nil || ref != d.Ref {
		t.Errorf("ByMessageID of the AEE = %q, %v", ref, err)
	}
}
