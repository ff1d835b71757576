package webhook

import (
	"sync"
	"time"
)

// maxLimiterKeys bounds the client addresses the rate limiter tracks.
// Beyond it, entries whose window has passed are dropped first, then
// those furthest from their limit, which lets those clients start
// afresh rather than letting memory grow.
const maxLimiterKeys = 100_000

// rateLimiter limits submissions per form and client address with the
// generic cell rate algorithm: each key keeps one instant, its
// theoretical arrival time, so memory is one entry per active client.
//
// NOTE: the state lives in memory, so a restart clears it, and several
// sved processes behind one address would each apply the full limit.
type rateLimiter struct {
	mu  sync.Mutex
	tat map[string]time.Time
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{tat: map[string]time.Time{}}
}

// allow counts one submission of key at now against a limit of n per
// window. When the limit is reached it returns false and how long the
// client should wait.
func (l *rateLimiter) allow(key string, n int, window time.Duration, now time.Time) (bool, time.Duration) {
	if n <= 0 || window <= 0 {
		return true, 0
	}
	interval := window / time.Duration(n)
	l.mu.Lock()
	defer l.mu.Unlock()

	tat, ok := l.tat[key]
	if !ok || tat.Before(now) {
		tat = now
	}
	next := tat.Add(interval)
	if over := next.Sub(now) - window; over > 0 {
		return false, over
	}
	if !ok && len(l.tat) >= maxLimiterKeys {
		l.shrink(now)
	}
	l.tat[key] = next
	return true, 0
}

// shrink drops the entries whose time has passed, and, when that frees
// too little, those furthest from the limit.
func (l *rateLimiter) shrink(now time.Time) {
	for k, t := range l.tat {
		if !t.After(now) {
			delete(l.tat, k)
		}
	}
	if len(l.tat) < maxLimiterKeys/2 {
		return
	}
	cut := now
	for _, t := range l.tat {
		if t.After(cut) {
			cut = t
		}
	}
	mid := now.Add(cut.Sub(now) / 2)
	for k, t := range l.tat {
		if t.Before(mid) {
			delete(l.tat, k)
		}
	}
}
