package outbound

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/store"
)

// memQueue is an in-memory Queue that records what the worker does.
type memQueue struct {
	mu     sync.Mutex
	mails  map[string]*store.OutboundMail
	events []string // "begin id", "sent id", "deferred id", "failed id"
	wake   chan struct{}
}

func newMemQueue() *memQueue {
	return &memQueue{mails: map[string]*store.OutboundMail{}, wake: make(chan struct{}, 1)}
}

func (q *memQueue) add(m store.OutboundMail, signal bool) {
	q.mu.Lock()
	m.Status = store.MailPending
	q.mails[m.ID] = &m
	q.mu.Unlock()
	if signal {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
}

func (q *memQueue) Wake() <-chan struct{} { return q.wake }

func (q *memQueue) DueMails(now time.Time, limit int) ([]store.OutboundMail, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []store.OutboundMail
	for _, m := range q.mails {
		if m.Status == store.MailPending && !m.NextAttempt.After(now) && len(out) < limit {
			out = append(out, *m)
		}
	}
	return out, nil
}

func (q *memQueue) NextDue() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var next time.Time
	found := false
	for _, m := range q.mails {
		if m.Status == store.MailPending && (!found || m.NextAttempt.Before(next)) {
			next, found = m.NextAttempt, true
		}
	}
	return next, found
}

func (q *memQueue) BeginAttempts(ids []string, next time.Time) ([]string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var begun []string
	for _, id := range ids {
		m := q.mails[id]
		if m == nil || m.Status != store.MailPending {
			continue
		}
		m.Attempts++
		m.NextAttempt = next
		q.events = append(q.events, "begin "+id)
		begun = append(begun, id)
	}
	return begun, nil
}

func (q *memQueue) MarkSent(id, detail string) error {
	return q.mark(id, store.MailSent, "sent", detail, time.Time{})
}

func (q *memQueue) MarkDeferred(id string, next time.Time, errText string) error {
	return q.mark(id, store.MailPending, "deferred", errText, next)
}

func (q *memQueue) MarkFailed(id, errText string) error {
	return q.mark(id, store.MailFailed, "failed", errText, time.Time{})
}

func (q *memQueue) mark(id string, status store.MailStatus, event, text string, next time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := q.mails[id]
	m.Status = status
	m.LastError = text
	if !next.IsZero() {
		m.NextAttempt = next
	}
	q.events = append(q.events, event+" "+id)
	return nil
}

func (q *memQueue) get(id string) store.OutboundMail {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.mails[id]
}

func (q *memQueue) eventList() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.events...)
}

// scriptTransport returns the scripted results in order, then repeats
// the last one.
type scriptTransport struct {
	mu      sync.Mutex
	results []func() (string, error)
	calls   int
}

func (t *scriptTransport) Deliver(ctx context.Context, m *store.OutboundMail) (string, error) {
	t.mu.Lock()
	i := min(t.calls, len(t.results)-1)
	t.calls++
	f := t.results[i]
	t.mu.Unlock()
	return f()
}

func ok() (string, error)        { return "250 2.0.0 Ok: queued as X", nil }
func temporary() (string, error) { return "", errors.New("451 4.3.0 try later") }
func permanent() (string, error) {
	return "", &PermanentError{Err: errors.New("550 5.1.1 no such user")}
}

// runWorker starts a worker and returns a function that stops it and
// waits for Run to return.
func runWorker(t *testing.T, q Queue, tr Transport, opts WorkerOptions) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w := NewWorker(q, tr, opts)
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	return func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
}

// waitStatus waits until mail id has the status, or fails the test.
func waitStatus(t *testing.T, q *memQueue, id string, status store.MailStatus) store.OutboundMail {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := q.get(id); m.Status == status {
			return m
		}
		time.Sleep(5 * time.Millisecond)
	}
	m := q.get(id)
	t.Fatalf("mail %s: status %s after 5s, want %s (events %v)", id, m.Status, status, q.eventList())
	return m
}

func TestWorker(t *testing.T) {
	tests := []struct {
		name         string
		results      []func() (string, error)
		wantStatus   store.MailStatus
		wantAttempts int
		wantEvents   []string
	}{
		{"sent", []func() (string, error){ok}, store.MailSent, 1,
			[]string{"begin m1", "sent m1"}},
		{"deferred then sent", []func() (string, error){temporary, ok}, store.MailSent, 2,
			[]string{"begin m1", "deferred m1", "begin m1", "sent m1"}},
		{"failed after max attempts", []func() (string, error){temporary}, store.MailFailed, 3,
			[]string{"begin m1", "deferred m1", "begin m1", "deferred m1", "begin m1", "failed m1"}},
		{"permanent error", []func() (string, error){permanent}, store.MailFailed, 1,
			[]string{"begin m1", "failed m1"}},
		{"panic is temporary", []func() (string, error){func() (string, error) { panic("boom") }, ok},
			store.MailSent, 2, []string{"begin m1", "deferred m1", "begin m1", "sent m1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newMemQueue()
			q.add(store.OutboundMail{ID: "m1", Dossier: "D-1", Kind: "aee"}, false)
			tr := &scriptTransport{results: tt.results}
			stop := runWorker(t, q, tr, WorkerOptions{RetryInterval: 5 * time.Millisecond, MaxAttempts: 3})
			m := waitStatus(t, q, "m1", tt.wantStatus)
			stop()

			if m.Attempts != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", m.Attempts, tt.wantAttempts)
			}
			if got := q.eventList(); !equal(got, tt.wantEvents) {
				t.Errorf("events = %v, want %v", got, tt.wantEvents)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWorkerWakes(t *testing.T) {
	q := newMemQueue()
	tr := &scriptTransport{results: []func() (string, error){ok}}
	// With an hour of fallback poll, only Wake can start the delivery
	// in time.
	stop := runWorker(t, q, tr, WorkerOptions{RetryInterval: time.Hour})
	defer stop()

	time.Sleep(20 * time.Millisecond) // let Run reach its wait
	q.add(store.OutboundMail{ID: "m2"}, true)
	waitStatus(t, q, "m2", store.MailSent)
}

func TestWorkerWaitsForInFlight(t *testing.T) {
	q := newMemQueue()
	q.add(store.OutboundMail{ID: "m3"}, false)
	started := make(chan struct{})
	release := make(chan struct{})
	tr := &scriptTransport{results: []func() (string, error){func() (string, error) {
		close(started)
		<-release
		return ok()
	}}}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewWorker(q, tr, WorkerOptions{}).Run(ctx) }()
	<-started
	cancel()

	select {
	case <-done:
		t.Fatal("Run returned while a delivery was in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the delivery ended")
	}
	if m := q.get("m3"); m.Status != store.MailSent {
		t.Errorf("status = %s, want sent", m.Status)
	}
}

func TestWorkerConcurrency(t *testing.T) {
	q := newMemQueue()
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		q.add(store.OutboundMail{ID: id}, false)
	}
	var mu sync.Mutex
	running, peak := 0, 0
	tr := &scriptTransport{results: []func() (string, error){func() (string, error) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return ok()
	}}}
	stop := runWorker(t, q, tr, WorkerOptions{Concurrency: 2})
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		waitStatus(t, q, id, store.MailSent)
	}
	stop()
	if peak != 2 {
		t.Errorf("peak concurrency = %d, want 2", peak)
	}
}

func TestBackoff(t *testing.T) {
	w := NewWorker(newMemQueue(), nil, WorkerOptions{RetryInterval: time.Minute})
	tests := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 48 * time.Second, 72 * time.Second},
		{2, 96 * time.Second, 144 * time.Second},
		{5, 16 * 48 * time.Second, 16 * 72 * time.Second},
		{30, 3 * time.Hour, 4 * time.Hour},
	}
	for _, tt := range tests {
		for range 20 {
			if d := w.backoff(tt.attempt); d < tt.min || d > tt.max {
				t.Errorf("backoff(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.min, tt.max)
			}
		}
	}
}
