package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

const (
	// deliverWorkers is the number of messages of one mailbox delivered
	// at once, so that their commits share an fsync.
	deliverWorkers = 4
	// A batch is fetched in one command and held in memory, so it is
	// bounded in messages and in bytes. A single message larger than
	// maxBatchBytes makes a batch of its own.
	maxBatchMessages = 64
	maxBatchBytes    = 32 << 20
)

// sync fetches and delivers every message above the cursor, batch by
// batch, then stores the cursor.
func (s *session) sync(ctx context.Context) error {
	sizes, err := s.list()
	if err != nil {
		return err
	}
	uids := make([]uint32, 0, len(sizes))
	for uid := range sizes {
		uids = append(uids, uid)
	}
	todo := s.track.list(uids)

	for len(todo) > 0 && ctx.Err() == nil {
		n, bytes := 0, int64(0)
		for n < len(todo) && n < maxBatchMessages && (n == 0 || bytes+sizes[todo[n]] <= maxBatchBytes) {
			bytes += sizes[todo[n]]
			n++
		}
		if err := s.syncBatch(ctx, todo[:n], sizes); err != nil {
			return err
		}
		todo = todo[n:]
	}
	if ctx.Err() != nil {
		return nil // the last batch may lack its post-fetch action
	}
	return s.saveCursor(ctx, !s.actionFailed)
}

// list returns the UIDs above the cursor with their sizes. "UID n:*"
// also returns the last message when n is above every UID in the
// folder, so the result is filtered.
func (s *session) list() (map[uint32]int64, error) {
	base := s.track.current()
	var set imap.UIDSet
	set.AddRange(imap.UID(base+1), 0)

	since := s.cursor.Since
	var msgs []*imapclient.FetchMessageBuffer
	err := s.do(func() error {
		var err error
		msgs, err = s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true,
			InternalDate: !since.IsZero()}).Collect()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list messages above UID %d: %w", base, err)
	}
	sizes := make(map[uint32]int64, len(msgs))
	for _, m := range msgs {
		uid := uint32(m.UID)
		if uid <= base {
			continue
		}
		// With initial: new, mail that was in the folder at the first
		// connection stays unread when a new UIDVALIDITY brings it back.
		if !since.IsZero() && !m.InternalDate.IsZero() && m.InternalDate.Before(since) {
			s.track.settle(uid)
			continue
		}
		sizes[uid] = m.RFC822Size
	}
	return sizes, nil
}

// syncBatch fetches, delivers and acts on the messages uids.
func (s *session) syncBatch(ctx context.Context, uids []uint32, sizes map[uint32]int64) error {
	mb := s.p.mailbox
	var wanted []uint32
	for _, uid := range uids {
		if sizes[uid] > mb.MaxMessageBytes {
			s.fail(ctx, uid, fmt.Errorf("message of %d bytes is larger than max_message_bytes (%d); "+
				"it is left in the folder", sizes[uid], mb.MaxMessageBytes), true)
			continue
		}
		wanted = append(wanted, uid)
	}
	if len(wanted) == 0 {
		return nil
	}

	bodies, fetchErr := s.fetch(wanted)
	var imapErr *imap.Error
	if fetchErr != nil && !errors.As(fetchErr, &imapErr) {
		// The connection failed. The messages received in full are
		// delivered; their action waits for the next session.
		s.deliverAll(ctx, wanted, bodies, nil)
		s.failInFlight(ctx, wanted, bodies, fetchErr)
		return fetchErr
	}

	stored := s.deliverAll(ctx, wanted, bodies, fetchErr)
	if ctx.Err() != nil {
		return nil
	}
	return s.actionResult(s.applyAction(stored))
}

// failInFlight counts a failed attempt for the message that was being
// received when the connection failed: the first one missing, since the
// server sends them in UID order. A message that breaks every connection
// is so skipped after max_attempts, while a network failure costs one
// attempt to one message only.
func (s *session) failInFlight(ctx context.Context, uids []uint32, bodies map[uint32][]byte, err error) {
	if ctx.Err() != nil {
		return
	}
	for _, uid := range uids {
		if _, ok := bodies[uid]; !ok {
			s.fail(ctx, uid, err, false)
			return
		}
	}
}

// fetch returns the raw bodies of uids. A message missing from the
// result was expunged meanwhile, or could not be read when the error is
// an *imap.Error.
func (s *session) fetch(uids []uint32) (map[uint32][]byte, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := s.c.Fetch(imap.UIDSetNum(toUIDs(uids)...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{section},
	})
	w := s.watch()
	defer w.Stop()

	bodies := make(map[uint32][]byte, len(uids))
	limit := s.p.mailbox.MaxMessageBytes
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid uint32
		var body []byte
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = uint32(it.UID)
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil {
					continue
				}
				r := &kickReader{r: io.LimitReader(it.Literal, limit+1), w: w, d: s.p.mailbox.Timeout}
				data, err := io.ReadAll(r)
				if err == nil && int64(len(data)) != it.Literal.Size() && int64(len(data)) <= limit {
					// The reader ends early without an error when the
					// connection breaks inside the literal.
					err = fmt.Errorf("%w: got %d of %d bytes", io.ErrUnexpectedEOF, len(data), it.Literal.Size())
				}
				if err != nil {
					// The connection is broken. Closing it, rather than
					// draining the command, leaves the decoder to the
					// client's reader goroutine.
					s.c.Close()
					return bodies, fmt.Errorf("read message UID %d: %w", uid, err)
				}
				body = data
			}
		}
		w.Reset(s.p.mailbox.Timeout)
		if uid != 0 && body != nil {
			bodies[uid] = body
		}
	}
	if err := cmd.Close(); err != nil {
		return bodies, fmt.Errorf("fetch %d messages: %w", len(uids), err)
	}
	return bodies, nil
}

// kickReader resets the watchdog on every read, so that a large message
// arriving slowly but steadily is not cut off.
type kickReader struct {
	r io.Reader
	w *time.Timer
	d time.Duration
}

func (k *kickReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	if n > 0 {
		k.w.Reset(k.d)
	}
	return n, err
}

// deliverAll delivers the fetched messages, up to Poller.workers at
// once, and returns the UIDs stored. A message missing from bodies
// counts as a failure when fetchErr is set.
func (s *session) deliverAll(ctx context.Context, uids []uint32, bodies map[uint32][]byte,
	fetchErr error) []uint32 {
	sem := make(chan struct{}, s.p.workers)
	ok := make([]bool, len(uids))
	var wg sync.WaitGroup
	for i, uid := range uids {
		raw, found := bodies[uid]
		switch {
		case found && int64(len(raw)) > s.p.mailbox.MaxMessageBytes:
			s.fail(ctx, uid, fmt.Errorf("message is larger than max_message_bytes (%d); it is left in the folder",
				s.p.mailbox.MaxMessageBytes), true)
			continue
		case !found && fetchErr != nil:
			s.fail(ctx, uid, fetchErr, false)
			continue
		case !found:
			continue // expunged by another client
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ok[i] = s.store(ctx, uid, raw)
		}()
	}
	wg.Wait()

	var stored []uint32
	for i, uid := range uids {
		if ok[i] {
			stored = append(stored, uid)
		}
	}
	return stored
}

func toUIDs(uids []uint32) []imap.UID {
	out := make([]imap.UID, len(uids))
	for i, u := range uids {
		out[i] = imap.UID(u)
	}
	return out
}
