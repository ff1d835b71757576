package store

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

func TestJournalChain(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))

	check := func(step string, want []dossier.EventKind) {
		t.Helper()
		events, err := s.Journal(d.Ref)
		if err != nil {
			t.Fatalf("%s: Journal: %v", step, err)
		}
		if err := dossier.VerifyChain(events); err != nil {
			t.Errorf("%s: VerifyChain: %v", step, err)
		}
		if got := journalKinds(events); !slices.Equal(got, want) {
			t.Errorf("%s: kinds = %v, want %v", step, got, want)
		}
		stored, err := s.Get(d.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if stored.EventCount != uint64(len(events)) {
			t.Errorf("%s: EventCount = %d, want %d", step, stored.EventCount, len(events))
		}
	}
	check("create", []dossier.EventKind{dossier.EventReceived, dossier.EventMailQueued})

	events, _ := s.Journal(d.Ref)
	first := events[0]
	if first.Actor != "smtp" || first.Fields["raw_sha256"] != d.RawSHA256 {
		t.Errorf("received event = %+v, want actor smtp and the raw hash", first)
	}
	if !first.At.Equal(d.ReceivedAt) {
		t.Errorf("received event at %v, want %v", first.At, d.ReceivedAt)
	}

	clock.Advance(time.Hour)
	created, err := s.AddMessage(context.Background(), d.Ref, []byte("reply"), "r1", buildAEE)
	if err != nil || !created {
		t.Fatalf("AddMessage = %v, %v", created, err)
	}
	check("add message", []dossier.EventKind{dossier.EventReceived, dossier.EventMailQueued,
		dossier.EventMailQueued})

	mails, err := s.Mails(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(mails[0].ID, "250 2.0.0 Ok: queued as 4F2"); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}
	check("mark sent", []dossier.EventKind{dossier.EventReceived, dossier.EventMailQueued,
		dossier.EventMailQueued, dossier.EventMailSent})
}

func TestJournalTamperDetected(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, b *bolt.Bucket, ref string)
	}{
		{"changed actor", func(t *testing.T, b *bolt.Bucket, ref string) {
			rewriteEvent(t, b, ref, 1, func(e *dossier.Event) { e.Actor = "someone" })
		}},
		{"changed time", func(t *testing.T, b *bolt.Bucket, ref string) {
			rewriteEvent(t, b, ref, 0, func(e *dossier.Event) { e.At = e.At.Add(-24 * time.Hour) })
		}},
		{"resealed event", func(t *testing.T, b *bolt.Bucket, ref string) {
			// A forger who recomputes the hash of event 1 breaks the
			// link from event 2.
			rewriteEvent(t, b, ref, 1, func(e *dossier.Event) {
				prev := readEvent(t, b, ref, 0)
				e.Text = "forged"
				e.Seal(&prev)
			})
		}},
		{"removed event", func(t *testing.T, b *bolt.Bucket, ref string) {
			if err := b.Delete(seqKey(prefixKey(ref), 1)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, newClock(start2026))
			d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))
			mails, err := s.Mails(d.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MarkSent(mails[0].ID, "250 ok"); err != nil {
				t.Fatal(err)
			}

			err = s.db.Update(func(tx *bolt.Tx) error {
				tt.tamper(t, tx.Bucket(bucketJournal), d.Ref)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			events, err := s.Journal(d.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if err := dossier.VerifyChain(events); err == nil {
				t.Error("VerifyChain accepted a tampered journal")
			}
		})
	}
}

func TestJournalAppendChecksEventCount(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))
	mails, err := s.Mails(d.Ref)
	if err != nil {
		t.Fatal(err)
	}

	// An event removed behind the store's back makes further appends fail
	// instead of sealing after the wrong event.
	err = s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJournal).Delete(seqKey(prefixKey(d.Ref), 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(mails[0].ID, "250 ok"); err == nil {
		t.Error("MarkSent appended to a journal that lost its last event")
	}
}

func TestJournalNotFound(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	if _, err := s.Journal("LYO-2026-000009"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Journal error = %v, want ErrNotFound", err)
	}
}

func readEvent(t *testing.T, b *bolt.Bucket, ref string, seq uint64) dossier.Event {
	t.Helper()
	var e dossier.Event
	if err := json.Unmarshal(b.Get(seqKey(prefixKey(ref), seq)), &e); err != nil {
		t.Fatalf("decode event %d: %v", seq, err)
	}
	return e
}

func rewriteEvent(t *testing.T, b *bolt.Bucket, ref string, seq uint64, change func(*dossier.Event)) {
	t.Helper()
	e := readEvent(t, b, ref, seq)
	change(&e)
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Put(seqKey(prefixKey(ref), seq), data); err != nil {
		t.Fatal(err)
	}
}
