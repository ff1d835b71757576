package store

import (
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// TestMigrateSentAEE turns a file back into layout 1, where a sent AEE
// stayed in the due index, and checks that Open upgrades it.
func TestMigrateSentAEE(t *testing.T) {
	clock := newClock(christmasEve)
	s, path := openTest(t, clock)
	cal := testCalendar(t)
	sent := createDue(t, s, cal, "sent", dossier.RegimeAccord)
	unsent := createDue(t, s, cal, "unsent", dossier.RegimeAccord)
	mails, err := s.Mails(sent.Ref)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := s.MarkSent(mails[0].ID, "250 ok"); err != nil {
		t.Fatal(err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		d, err := getDossier(tx, sent.Ref)
		if err != nil {
			return err
		}
		d.AEESentAt = time.Time{}
		if err := putDossier(tx, d); err != nil {
			return err
		}
		if err := replaceDueIndex(tx, nil, d); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketMeta), []byte("version"), 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(path, Options{Now: clock.Now, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	d, err := s2.Get(sent.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if !d.AEESentAt.Equal(christmasEve.Add(time.Minute)) {
		t.Errorf("AEESentAt = %v, want the time of the mail_sent event", d.AEESentAt)
	}
	want := []string{
		"2026-12-28 aee " + unsent.Ref,
		"2027-01-11 are " + sent.Ref, "2027-01-11 are " + unsent.Ref,
		"2027-02-24 decision " + sent.Ref, "2027-02-24 decision " + unsent.Ref,
	}
	if got := dueEntries(t, s2); !slices.Equal(got, want) {
		t.Errorf("due index = %q, want %q", got, want)
	}
	var version int
	s2.db.View(func(tx *bolt.Tx) error {
		_, err := getJSON(tx.Bucket(bucketMeta), []byte("version"), &version)
		return err
	})
	if version != schemaVersion {
		t.Errorf("version = %d, want %d", version, schemaVersion)
	}
}
