package imap

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sved-project/sved/internal/intake"
)

// failingDeliverer fails every delivery of messages containing marker,
// and panics on those containing panicMarker.
type failingDeliverer struct {
	next        Deliverer
	marker      []byte
	panicMarker []byte
	calls       atomic.Int64
}

func (d *failingDeliverer) Deliver(ctx context.Context, env *intake.Envelope) ([]intake.Result, error) {
	if bytes.Contains(env.Raw, d.marker) {
		d.calls.Add(1)
		return nil, errors.New("store unavailable")
	}
	if d.panicMarker != nil && bytes.Contains(env.Raw, d.panicMarker) {
		panic("template broken")
	}
	return d.next.Deliver(ctx, env)
}

func TestPollerBoundedRetries(t *testing.T) {
	f := newFixture(t, fixtureOptions{after: "delete"})
	f.mailbox.MaxAttempts = 3
	d := &failingDeliverer{next: f.deliver, marker: []byte("demande 2."), panicMarker: []byte("demande 3.")}
	for n := 1; n <= 4; n++ {
		f.srv.Save(t, "INBOX", request(n))
	}
	p, err := New("ville", f.mailbox, d, f.store, f.logger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	f.waitDossiers(t, 2)
	waitFor(t, "both bad messages skipped", func() bool { return p.Stats().Skipped == 2 }, f)
	// UID 4 was deleted by the post-fetch action before the skips, so
	// the last listing ends at 3.
	waitFor(t, "the cursor past them", func() bool {
		c, err := f.store.Cursor(f.cursorKey())
		return err == nil && c.LastUID >= 3 && c.ActionUID == c.LastUID
	}, f)

	if n := d.calls.Load(); n != 3 {
		t.Errorf("failing message tried %d times, want max_attempts (3)", n)
	}
	if s := p.Stats(); s.Failures != 4 {
		t.Errorf("failures = %d, want 4 (two retried attempts for each bad message)", s.Failures)
	}
	// The skipped messages stay in the folder; the stored ones are
	// deleted.
	flags := f.srv.Flags(t, "INBOX")
	if len(flags) != 2 {
		t.Errorf("folder holds UIDs %v, want only the two skipped messages", flags)
	}
	for _, uid := range []uint32{2, 3} {
		if _, ok := flags[uid]; !ok {
			t.Errorf("skipped UID %d is gone from the folder", uid)
		}
	}
	logs := f.logs.String()
	for _, want := range []string{"store unavailable", "panic while delivering", "skipped and left in the folder"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}
