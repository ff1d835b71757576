package store

import (
	"errors"
	"fmt"
	"runtime"
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
	stage func() stagedWrite
	err   chan error
}

// stagedWrite is a write in three steps, so that the CPU-bound middle
// step of every write of a group runs in parallel while the transaction
// is open, instead of one after the other in the committer goroutine.
// The steps of one write run in order; prepare and apply run one write
// at a time and may use tx, build may not.
type stagedWrite struct {
	prepare func(tx *bolt.Tx) error
	build   func() error // nil when there is nothing to do in parallel
	apply   func(tx *bolt.Tx) error
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
	return c.runStaged(func() stagedWrite { return stagedWrite{prepare: fn} })
}

// runStaged commits the write that newWrite returns, as run does. Each
// attempt of the group calls newWrite again, so that no state of a
// rolled back attempt leaks into the next.
func (c *committer) runStaged(newWrite func() stagedWrite) error {
	req := commitRequest{stage: newWrite, err: make(chan error, 1)}
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
			var err error
			failed, err = runGroup(tx, group)
			return err
		})
		if failed < 0 {
			for _, req := range group {
				req.err <- err
			}
			return
		}
		alone := group[failed]
		group = append(group[:failed:failed], group[failed+1:]...)
		alone.err <- c.db.Update(func(tx *bolt.Tx) error {
			_, err := runGroup(tx, []commitRequest{alone})
			return err
		})
	}
}

// runGroup runs the prepare steps of group in order, the build steps in
// parallel, then the apply steps in order. It returns the index of the
// first write that failed, or -1.
func runGroup(tx *bolt.Tx, group []commitRequest) (int, error) {
	writes := make([]stagedWrite, len(group))
	for i, req := range group {
		writes[i] = req.stage()
		if err := safeCall(writes[i].prepare, tx); err != nil {
			return i, err
		}
	}
	if i, err := buildAll(writes); err != nil {
		return i, err
	}
	for i, w := range writes {
		if w.apply == nil {
			continue
		}
		if err := safeCall(w.apply, tx); err != nil {
			return i, err
		}
	}
	return -1, nil
}

// buildAll runs the build steps on as many goroutines as there are
// processors, and returns the first failure by index.
func buildAll(writes []stagedWrite) (int, error) {
	errs := make([]error, len(writes))
	next := make(chan int, len(writes))
	for i, w := range writes {
		if w.build != nil {
			next <- i
		}
	}
	close(next)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(next)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = safeBuild(writes[i].build)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return i, err
		}
	}
	return -1, nil
}

func safeBuild(build func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic in store write: %v", v)
		}
	}()
	return build()
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
