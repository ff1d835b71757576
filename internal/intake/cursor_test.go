package intake

import (
	"context"
	"testing"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

func TestDeliverMovesIMAPCursor(t *testing.T) {
	f := newFixture(t)
	key := store.CursorKey{Tenant: "ville", Mailbox: "contact"}
	deliver := func(uidValidity, uid uint32) Result {
		t.Helper()
		res, err := f.p.Deliver(context.Background(), &Envelope{
			Channel:    dossier.ChannelIMAP,
			Remote:     "imap://127.0.0.1:1143/INBOX",
			From:       "jeanne@example.org",
			Recipients: []string{"contact@ville.example.fr"},
			Raw:        []byte(request),
			Cursor:     &store.CursorMark{Key: key, UIDValidity: uidValidity, UID: uid},
		})
		if err != nil {
			t.Fatalf("Deliver: %v", err)
		}
		return res[0]
	}

	first := deliver(1, 4)
	if !first.Created {
		t.Fatalf("first delivery: %+v, want a created dossier", first)
	}
	c, err := f.store.Cursor(key)
	if err != nil {
		t.Fatal(err)
	}
	if c.UIDValidity != 1 || c.LastUID != 4 {
		t.Errorf("cursor = %+v, want UIDVALIDITY 1 LastUID 4", c)
	}

	second := deliver(1, 5)
	if second.Created || second.Ref != first.Ref {
		t.Fatalf("second delivery: %+v, want the duplicate of %s", second, first.Ref)
	}
	if c, _ := f.store.Cursor(key); c.LastUID != 5 {
		t.Errorf("LastUID = %d after a duplicate, want 5", c.LastUID)
	}
	if kinds := f.mailKinds(t, first.Ref); len(kinds["aee"]) != 1 {
		t.Errorf("AEEs = %v, want one", kinds["aee"])
	}
}
