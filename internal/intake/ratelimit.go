package intake

import (
	"strings"
	"sync"
	"time"
)

// ackWindow is the period over which a tenant's ack_limit_per_day
// counts the AEEs sent to one address. RFC 3834 asks automatic
// responders not to answer the same sender more than a few times a day,
// which also stops a loop with a responder that does not mark its own
// replies as automatic.
const ackWindow = 24 * time.Hour

// ackLimiter counts recent AEEs per requester address.
//
// NOTE: the counts live in memory, so a restart clears them and a loop
// can get up to a day's limit of answers again after each restart.
type ackLimiter struct {
	mu   sync.Mutex
	sent map[string][]time.Time
}

func newAckLimiter() *ackLimiter {
	return &ackLimiter{sent: map[string][]time.Time{}}
}

// reserve counts one AEE to addr at now and reports whether it is
// within the limit. A reservation that is not used must be released, so
// that concurrent deliveries cannot all pass the check before any of
// them is counted.
func (l *ackLimiter) reserve(tenant, addr string, max int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := limiterKey(tenant, addr)
	recent := l.prune(key, now)
	if len(recent) >= max {
		return false
	}
	l.sent[key] = append(recent, now)
	return true
}

// release cancels the reservation made for addr at at.
func (l *ackLimiter) release(tenant, addr string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := limiterKey(tenant, addr)
	times := l.sent[key]
	for i := len(times) - 1; i >= 0; i-- {
		if times[i].Equal(at) {
			l.sent[key] = append(times[:i:i], times[i+1:]...)
			break
		}
	}
	if len(l.sent[key]) == 0 {
		delete(l.sent, key)
	}
}

// prune drops the times of key older than the window and returns the
// rest. It deletes keys left empty, so the map does not grow forever.
func (l *ackLimiter) prune(key string, now time.Time) []time.Time {
	times := l.sent[key]
	i := 0
	for i < len(times) && now.Sub(times[i]) >= ackWindow {
		i++
	}
	times = times[i:]
	if len(times) == 0 {
		delete(l.sent, key)
	} else {
		l.sent[key] = times
	}
	return times
}

func limiterKey(tenant, addr string) string {
	return tenant + " " + strings.ToLower(addr)
}
