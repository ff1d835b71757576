package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openBolt(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "c.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("b"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

func put(key string) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error { return tx.Bucket([]byte("b")).Put([]byte(key), []byte("v")) }
}

func TestCommitterIsolatesFailures(t *testing.T) {
	db := openBolt(t)
	c := newCommitter(db, 64)
	defer c.close()

	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch i % 20 {
			case 7:
				errs[i] = c.run(func(*bolt.Tx) error { return boom })
			case 13:
				errs[i] = c.run(func(*bolt.Tx) error { panic("bad write") })
			default:
				errs[i] = c.run(put(string(rune('A' + i))))
			}
		}(i)
	}
	wg.Wait()

	for i, err := range errs {
		switch i % 20 {
		case 7:
			if !errors.Is(err, boom) {
				t.Errorf("write %d: err = %v, want its own error", i, err)
			}
		case 13:
			if err == nil {
				t.Errorf("write %d: a panic returned no error", i)
			}
		default:
			if err != nil {
				t.Errorf("write %d: err = %v, want success", i, err)
			}
		}
	}
	db.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket([]byte("b")).Stats().KeyN; n != 54 {
			t.Errorf("%d keys stored, want 54", n)
		}
		return nil
	})
}

func TestCommitterAfterClose(t *testing.T) {
	c := newCommitter(openBolt(t), 8)
	if err := c.run(put("x")); err != nil {
		t.Fatal(err)
	}
	c.close()
	c.close()
	if err := c.run(put("y")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: err = %v, want ErrClosed", err)
	}
}

func TestCreateSameItemConcurrently(t *testing.T) {
	s, _ := openTest(t, newClock(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)))
	const copies = 32
	var wg sync.WaitGroup
	refs := make([]string, copies)
	created := make([]bool, copies)
	for i := 0; i < copies; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			nd := newItem("ville", "same-item", rawMessage(1))
			nd.Build = buildAEE
			d, ok, err := s.Create(context.Background(), nd)
			if err != nil {
				t.Error(err)
				return
			}
			refs[i], created[i] = d.Ref, ok
		}(i)
	}
	wg.Wait()
	n := 0
	for i := range refs {
		if created[i] {
			n++
		}
		if refs[i] != refs[0] {
			t.Errorf("copy %d stored as %s, first as %s", i, refs[i], refs[0])
		}
	}
	if n != 1 {
		t.Errorf("%d copies created a dossier, want 1", n)
	}
	mails, _ := s.Mails(refs[0])
	if len(mails) != 1 {
		t.Errorf("%d mails queued, want 1", len(mails))
	}
}
