package intake

import (
	"strings"
	"sync"
	"time"
)

// ackWindow and maxAcksPerWindow bound the AEEs sent to one address:
// RFC 3834 asks automatic responders not to answer the same sender more
// than a few times a day, which also stops a loop with a responder that
// does not mark its own replies as automatic.
const (
	ackWindow        = 24 * time.Hour
	maxAcksPerWindow = 10
)

// ackLimiter counts recent AEEs per requester address.
//
// NOTE: the counts live in memory, so a restart forgets them and a loop
// can get up to maxAcksPerWindow more answers after each restart.
type ackLimiter struct {
	mu   sync.Mutex
	sent map[string][]time.Time
}

func newAckLimiter() *ackLimiter {
	return &ackLimiter{sent: map[string][]time.Time{}}
}

// allowed reports whether addr may get another AEE at now.
func (l *ackLimiter) allowed(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := strings.ToLower(addr)
	recent := l.prune(key, now)
	return len(recent) < maxAcksPerWindow
}

// record counts one AEE sent to addr at now.
func (l *ackLimiter) record(addr string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := strings.ToLower(addr)
	l.sent[key] = append(l.prune(key, now), now)
}

// prune drops the times of key older than the window and returns the
// rest; it deletes keys left empty so the map does not grow forever.
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
