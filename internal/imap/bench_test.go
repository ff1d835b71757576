package imap

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/imap/imaptest"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/outbound"
)

// timedDeliverer reports the Message-ID of each item once the pipeline
// has committed it.
type timedDeliverer struct {
	next      Deliverer
	committed chan string
}

func (d *timedDeliverer) Deliver(ctx context.Context, env *intake.Envelope) ([]intake.Result, error) {
	res, err := d.next.Deliver(ctx, env)
	if err == nil {
		d.committed <- messageID(env.Raw)
	}
	return res, err
}

func messageID(raw []byte) string {
	_, rest, _ := strings.Cut(string(raw), "Message-ID: <")
	id, _, _ := strings.Cut(rest, ">")
	return id
}

// benchFixture is a fixture whose poller runs with the outbound worker
// writing the AEEs and forwards to a folder, as sved serve does by
// default.
func benchFixture(b *testing.B, after string) (*fixture, *timedDeliverer, func()) {
	f := newFixture(b, fixtureOptions{after: after})
	d := &timedDeliverer{next: f.deliver, committed: make(chan string, 1<<16)}
	transport, err := outbound.NewTransport(config.Outbound{Transport: "dir:" + filepath.Join(f.dir, "outbox")},
		f.dir, f.cfg.Hostname, f.logger())
	if err != nil {
		b.Fatal(err)
	}
	worker := outbound.NewWorker(f.store, transport, outbound.WorkerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { worker.Run(ctx) })
	return f, d, func() {
		cancel()
		wg.Wait()
	}
}

// runPoller runs a poller with the production resync interval until
// the returned function is called. notified, when set, runs on each
// new-message notification from the server.
func runPoller(b *testing.B, f *fixture, d Deliverer, notified func(), workers int) func() {
	f.mailbox.ResyncInterval = config.DefaultMailboxResyncInterval
	_, stop := f.start(b, func(p *Poller) {
		p.deliver = d
		p.notified = notified
		if workers > 0 {
			p.workers = workers
		}
	})
	return stop
}

// benchRequest returns request n padded to about size bytes.
func benchRequest(n, size int) []byte {
	head := fmt.Sprintf("From: Jeanne Martin <jeanne.%[1]d@example.org>\r\nTo: contact@ville.example.fr\r\n"+
		"Subject: Demande %[1]d\r\nMessage-ID: <bench-%[1]d@example.org>\r\n\r\n", n)
	line := strings.Repeat("Bonjour, voici ma demande. ", 3) + "\r\n"
	var body strings.Builder
	for len(head)+body.Len() < size {
		body.WriteString(line)
	}
	return []byte(head + body.String())
}

// BenchmarkIMAPLatency measures the time from the start of an IMAP
// APPEND to the commit of its dossier, with the poller idling. Each
// message is appended once the previous one is committed.
func BenchmarkIMAPLatency(b *testing.B) {
	f, d, stopWorker := benchFixture(b, config.AfterNone)
	defer stopWorker()
	notifiedAt := make(chan time.Time, 16)
	stop := runPoller(b, f, d, func() { notifiedAt <- time.Now() }, 0)
	defer stop()
	c, err := f.srv.Dial()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Logout()
	// Let the poller select the folder and enter IDLE.
	time.Sleep(500 * time.Millisecond)

	latencies := make([]time.Duration, 0, b.N)
	var toNotify, toCommit []time.Duration
	b.ResetTimer()
	for i := range b.N {
		raw := benchRequest(i, 2<<10)
		start := time.Now()
		if err := c.Append("INBOX", raw); err != nil {
			b.Fatal(err)
		}
		if got := <-d.committed; got != messageID(raw) {
			b.Fatalf("committed %s, want %s", got, messageID(raw))
		}
		end := time.Now()
		latencies = append(latencies, end.Sub(start))
		select {
		case at := <-notifiedAt:
			toNotify = append(toNotify, at.Sub(start))
			toCommit = append(toCommit, end.Sub(at))
		default: // found by the timer re-sync, not by a notification
		}
		// A pause like that between two real messages, so that each
		// APPEND finds the poller idling.
		b.StopTimer()
		time.Sleep(20 * time.Millisecond)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(0, "ns/op")
	reportPercentiles(b, "", latencies)
	// The time until the server notifies, and from the notification to
	// the commit, which is sved's own share.
	reportPercentiles(b, "notify-", toNotify)
	reportPercentiles(b, "sved-", toCommit)
}

func reportPercentiles(b *testing.B, prefix string, latencies []time.Duration) {
	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	at := func(p float64) float64 {
		i := min(int(p*float64(len(latencies))), len(latencies)-1)
		return float64(latencies[i].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.5), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
	b.ReportMetric(at(1), prefix+"max-ms")
}

// BenchmarkIMAPDrain measures how fast the poller drains a backlog of
// 10,000 messages of 20 KiB appended before it starts, with the
// outbound worker writing the AEEs and forwards meanwhile. Each
// iteration uses a new Dovecot and store. The sub-benchmarks compare
// one message delivered at a time with deliverWorkers at once.
func BenchmarkIMAPDrain(b *testing.B) {
	for _, workers := range []int{1, deliverWorkers} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchmarkDrain(b, workers)
		})
	}
}

func benchmarkDrain(b *testing.B, workers int) {
	const backlog, size = 10000, 20 << 10
	for range b.N {
		b.StopTimer()
		f, d, stopWorker := benchFixture(b, config.AfterNone)
		appendBacklog(b, f.srv, backlog, size)
		b.StartTimer()

		start := time.Now()
		stop := runPoller(b, f, d, nil, workers)
		for range backlog {
			<-d.committed
		}
		elapsed := time.Since(start)

		b.StopTimer()
		stop()
		stopWorker()
		b.ReportMetric(float64(backlog)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(0, "ns/op")
	}
}

// appendBacklog appends n messages over four connections at once.
func appendBacklog(b *testing.B, srv *imaptest.Server, n, size int) {
	const conns = 4
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for w := range conns {
		wg.Go(func() {
			c, err := srv.Dial()
			if err != nil {
				errs <- err
				return
			}
			defer c.Logout()
			for i := w; i < n; i += conns {
				if err := c.Append("INBOX", benchRequest(i, size)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
