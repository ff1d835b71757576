package store

import (
	"errors"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// ErrClosed is returned by writes made after Close.
var ErrClosed = errors.New("store is closed")

// committer runs the store's writes in shared transactions (group
// commit). One goroutine takes every write waiting when the previous
// commit ends and commits them together, so a lone writer is committed
// at once, and writers that arrive during an fsync share the next one.
//
// bbolt's DB.Batch gathers writes for a fixed delay instead, which adds
// that delay to every lone write and still commits separately the
// writers that queue behind a running commit.
type committer struct {
	db      *bolt.DB
	maxSize int
	reqs    chan commitRequest

	mu     sync.RWMutex // guards closed against sends on reqs
	closed bool
	done   chan struct{}
}

type commitRequest struct {
	fn  func(*bolt.Tx) error
	err chan error
}

func newCommitter(db *bolt.DB, maxSize int) *committer {
	c := &committer{
		db:      db,
		maxSize: maxSize,
		reqs:    make(chan commitRequest, maxSize),
		done:    make(chan struct{}),
	}
	go c.loop()
	return c
}

// run commits fn, alone or with concurrent writes, and returns its own
// error. fn may run more than once: when another write of its group
// fails, the group is rolled back and run again without that write.
func (c *committer) run(fn func(*bolt.Tx) error) error {
	req := commitRequest{fn: fn, err: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	c.reqs <- req
	c.mu.RUnlock()
	return <-req.err
}

// close stops the loop after the writes already queued.
func (c *committer) close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.reqs)
	}
	c.mu.Unlock()
	<-c.done
}

func (c *committer) loop() {
	defer close(c.done)
	for first := range c.reqs {
		group := []commitRequest{first}
	gather:
		for len(group) < c.maxSize {
			select {
			case req, ok := <-c.reqs:
				if !ok {
					break gather
				}
				group = append(group, req)
			default:
				break gather
			}
		}
		c.commit(group)
	}
}

// commit runs group in one transaction. When a write fails, the
// transaction is rolled back, the others run again without it, and the
// failing one runs alone so that its error is its own, as DB.Batch does.
func (c *committer) commit(group []commitRequest) {
	for len(group) > 0 {
		failed := -1
		err := c.db.Update(func(tx *bolt.Tx) error {
			for i, req := range group {
				if err := safeCall(req.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if failed < 0 {
			for _, req := range group {
				req.err <- err
			}
			return
		}
		alone := group[failed]
		group = append(group[:failed:failed], group[failed+1:]...)
		alone.err <- c.db.Update(func(tx *bolt.Tx) error { return safeCall(alone.fn, tx) })
	}
}

// safeCall runs fn and turns a panic into an error, so that one bad write
// cannot stop the loop that every writer waits on.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in store write: %v", v)
		}
	}()
	return fn(tx)
}
