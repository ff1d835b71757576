package imap

import (
	"maps"
	"slices"
	"sync"
)

// tracker follows the messages of one sync above the cursor, and
// computes the highest UID up to which every listed message is settled,
// that is stored or given up. The cursor may advance to that UID.
type tracker struct {
	mu      sync.Mutex
	base    uint32          // every message up to base is settled
	listed  []uint32        // UIDs above base from the last listing, ascending
	settled map[uint32]bool // settled UIDs above base
}

func newTracker(base uint32) *tracker {
	return &tracker{base: base, settled: map[uint32]bool{}}
}

// list records the UIDs above base that the server listed and returns
// those not yet settled, in ascending order. UIDs listed before but
// missing now were expunged and no longer hold base back.
func (t *tracker) list(uids []uint32) []uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.listed = t.listed[:0]
	var todo []uint32
	for _, uid := range uids {
		if uid <= t.base {
			continue
		}
		t.listed = append(t.listed, uid)
		if !t.settled[uid] {
			todo = append(todo, uid)
		}
	}
	slices.Sort(t.listed)
	t.listed = slices.Compact(t.listed)
	slices.Sort(todo)
	todo = slices.Compact(todo)
	t.advance()
	return todo
}

// markFor returns the base there will be once uid is settled, counting
// only the messages settled so far. A message that commits with this
// value in its transaction therefore never claims one that has not.
func (t *tracker) markFor(uid uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	mark := t.base
	for _, u := range t.listed {
		if u != uid && !t.settled[u] {
			break
		}
		mark = u
	}
	return mark
}

// settle records uid as stored or given up and returns the new base.
func (t *tracker) settle(uid uint32) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if uid > t.base {
		t.settled[uid] = true
	}
	t.advance()
	return t.base
}

// current returns base.
func (t *tracker) current() uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.base
}

// advance moves base over the settled messages at the start of listed.
func (t *tracker) advance() {
	n := 0
	for n < len(t.listed) && t.settled[t.listed[n]] {
		t.base = t.listed[n]
		delete(t.settled, t.listed[n])
		n++
	}
	t.listed = t.listed[n:]
	// Messages settled and then expunged are never listed again.
	maps.DeleteFunc(t.settled, func(uid uint32, _ bool) bool { return uid <= t.base })
}
