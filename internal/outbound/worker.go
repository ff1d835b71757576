package outbound

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/sved-project/sved/internal/store"
)

// Defaults of WorkerOptions.
const (
	DefaultRetryInterval = 5 * time.Minute
	DefaultMaxAttempts   = 20
	DefaultConcurrency   = 16
	// maxBackoff caps the delay between two attempts.
	maxBackoff = 4 * time.Hour
	// batchSize is the number of due mails read from the queue at once.
	batchSize = 64
)

// WorkerOptions configures a Worker. Zero fields take the defaults.
type WorkerOptions struct {
	// RetryInterval is the delay after the first failed attempt; each
	// later failure doubles it, up to four hours, with ±20 % jitter.
	RetryInterval time.Duration
	// MaxAttempts is the number of attempts after which a mail that
	// still fails is marked failed.
	MaxAttempts int
	// Concurrency is the number of deliveries in flight at once.
	Concurrency int
	Logger      *slog.Logger
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

// Worker delivers the due mails of a Queue through a Transport.
type Worker struct {
	queue     Queue
	transport Transport
	opts      WorkerOptions
	logger    *slog.Logger

	slots    chan struct{}  // one token per delivery in flight
	finished chan struct{}  // signalled when a delivery ends
	inFlight sync.WaitGroup // deliveries in flight
}

// NewWorker returns a worker; Run starts it.
func NewWorker(q Queue, t Transport, opts WorkerOptions) *Worker {
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = DefaultRetryInterval
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = DefaultMaxAttempts
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Worker{
		queue:     q,
		transport: t,
		opts:      opts,
		logger:    opts.Logger,
		slots:     make(chan struct{}, opts.Concurrency),
		finished:  make(chan struct{}, 1),
	}
}

// Run delivers due mails until ctx is cancelled. It waits for the queue's
// wake-up signal, the next due time, or the end of a delivery, whichever
// comes first. After cancellation it lets the deliveries in flight end
// (each bounded by its transport's timeout) and returns nil.
func (w *Worker) Run(ctx context.Context) error {
	w.logger.Info("outbound worker started", "concurrency", w.opts.Concurrency)
	defer w.logger.Info("outbound worker stopped")
	defer w.closeTransport()
	defer w.inFlight.Wait()

	for {
		polled := w.startDue(ctx)
		if ctx.Err() != nil {
			return nil
		}

		timer := time.NewTimer(w.untilNextDue(polled))
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-w.queue.Wake():
		case <-w.finished:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// untilNextDue returns how long to sleep before the next due mail. When
// the queue failed (polled is false) or has nothing pending, it returns
// RetryInterval as a fallback poll.
func (w *Worker) untilNextDue(polled bool) time.Duration {
	if !polled {
		return w.opts.RetryInterval
	}
	next, ok := w.queue.NextDue()
	if !ok {
		return w.opts.RetryInterval
	}
	return max(next.Sub(w.opts.Now()), 0)
}

// startDue starts a delivery for every due mail, batch after batch. It
// returns false when the queue could not be read or written, so that Run
// waits RetryInterval instead of polling a failing store in a loop.
func (w *Worker) startDue(ctx context.Context) bool {
	for ctx.Err() == nil {
		mails, err := w.queue.DueMails(w.opts.Now(), batchSize)
		if err != nil {
			w.logger.Error("read due mails failed", "err", err)
			return false
		}
		for len(mails) > 0 {
			n := w.acquireSlots(ctx, len(mails))
			if n == 0 {
				return true
			}
			if err := w.start(ctx, mails[:n]); err != nil {
				w.logger.Error("record delivery attempts failed", "mails", n, "err", err)
				return false
			}
			mails = mails[n:]
		}
		if ctx.Err() != nil || len(mails) < batchSize {
			return true
		}
	}
	return true
}

// acquireSlots waits for one free delivery slot, then takes the other
// free ones, up to max slots in all. It returns how many it took, 0 when
// ctx ended first.
func (w *Worker) acquireSlots(ctx context.Context, max int) int {
	select {
	case w.slots <- struct{}{}:
	case <-ctx.Done():
		return 0
	}
	n := 1
	for n < max {
		select {
		case w.slots <- struct{}{}:
			n++
		default:
			return n
		}
	}
	return n
}

// start records the attempts of mails in one transaction and runs the
// delivery of each mail still pending in a goroutine. The caller holds
// one slot per mail, which start releases for the mails it does not
// deliver. It returns the queue's error when the attempts could not be
// recorded.
func (w *Worker) start(ctx context.Context, mails []store.OutboundMail) error {
	ids := make([]string, len(mails))
	first := mails[0].Attempts + 1
	for i := range mails {
		ids[i] = mails[i].ID
		first = min(first, mails[i].Attempts+1)
	}
	// The provisional next attempt covers a crash during delivery. The
	// backoff of the lowest attempt number in the group keeps the retry
	// after a crash no later than the schedule of any of its mails.
	begun, err := w.queue.BeginAttempts(ids, w.opts.Now().Add(w.backoff(first)))
	if err != nil {
		w.releaseSlots(len(mails))
		return err
	}
	w.releaseSlots(len(mails) - len(begun))

	// Deliveries in flight finish after cancellation, so that a mail
	// accepted by the relay is recorded as sent.
	dctx := context.WithoutCancel(ctx)
	for i, j := 0, 0; i < len(mails) && j < len(begun); i++ {
		m := &mails[i]
		if m.ID != begun[j] {
			w.logAttrs(slog.LevelDebug, "mail no longer pending, skipped", m)
			continue
		}
		j++
		attempt := m.Attempts + 1
		w.inFlight.Add(1)
		go func() {
			defer w.inFlight.Done()
			defer func() { <-w.slots }()
			defer w.signalFinished()
			detail, err := w.deliver(dctx, m)
			w.record(m, attempt, detail, err)
		}()
	}
	return nil
}

func (w *Worker) releaseSlots(n int) {
	for range n {
		<-w.slots
	}
}

// deliver calls the transport and turns a panic into a temporary error.
func (w *Worker) deliver(ctx context.Context, m *store.OutboundMail) (detail string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("transport panic: %v", p)
		}
	}()
	return w.transport.Deliver(ctx, m)
}

// record writes the result of one attempt to the queue and logs it.
func (w *Worker) record(m *store.OutboundMail, attempt int, detail string, err error) {
	switch {
	case err == nil:
		w.logAttrs(slog.LevelInfo, "mail sent", m, "attempt", attempt, "detail", detail)
		if qerr := w.queue.MarkSent(m.ID, detail); qerr != nil {
			w.logAttrs(slog.LevelError, "record sent mail failed", m, "err", qerr)
		}

	case IsPermanent(err) || attempt >= w.opts.MaxAttempts:
		w.logAttrs(slog.LevelError, "mail delivery failed", m,
			"attempt", attempt, "permanent", IsPermanent(err), "err", err)
		if qerr := w.queue.MarkFailed(m.ID, err.Error()); qerr != nil {
			w.logAttrs(slog.LevelError, "record failed mail failed", m, "err", qerr)
		}

	default:
		next := w.opts.Now().Add(w.backoff(attempt))
		w.logAttrs(slog.LevelWarn, "mail delivery deferred", m,
			"attempt", attempt, "next_attempt", next, "err", err)
		if qerr := w.queue.MarkDeferred(m.ID, next, err.Error()); qerr != nil {
			w.logAttrs(slog.LevelError, "record deferred mail failed", m, "err", qerr)
		}
	}
}

// backoff returns the delay after the given failed attempt (1 for the
// first): RetryInterval doubled for each earlier attempt, times a random
// factor between 0.8 and 1.2, capped at four hours.
func (w *Worker) backoff(attempt int) time.Duration {
	d := w.opts.RetryInterval
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(d, maxBackoff)
}

func (w *Worker) signalFinished() {
	select {
	case w.finished <- struct{}{}:
	default:
	}
}

// logAttrs logs one event about m with the standard keys.
func (w *Worker) logAttrs(level slog.Level, msg string, m *store.OutboundMail, args ...any) {
	args = append([]any{
		"tenant", m.Tenant, "dossier", m.Dossier, "kind", m.Kind,
		"message_id", m.MessageID, "mail", m.ID,
	}, args...)
	w.logger.Log(context.Background(), level, msg, args...)
}

// closeTransport releases the transport's kept connections, once the
// deliveries in flight have ended.
func (w *Worker) closeTransport() {
	if c, ok := w.transport.(io.Closer); ok {
		if err := c.Close(); err != nil {
			w.logger.Warn("closing the outbound transport failed", "err", err)
		}
	}
}
