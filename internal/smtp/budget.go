package smtp

import "sync"

// byteBudget bounds the message bytes that all sessions hold in memory
// at once.
type byteBudget struct {
	mu    sync.Mutex
	max   int64
	inUse int64
}

// tryAcquire takes n bytes of the budget, or reports false when that
// would exceed it. A budget of 0 has no bound.
func (b *byteBudget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.max > 0 && b.inUse+n > b.max {
		return false
	}
	b.inUse += n
	return true
}

func (b *byteBudget) release(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inUse -= n
}
