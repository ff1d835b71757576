package outbound

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

// instantTransport accepts every mail at once, so that a drain measures
// the queue's commits alone.
type instantTransport struct{}

func (instantTransport) Deliver(context.Context, *store.OutboundMail) (string, error) {
	return "250 2.0.0 ok", nil
}

// fillQueue creates n dossiers in a store file under dir, each queueing
// one forward of 20 KiB.
func fillQueue(b *testing.B, n int) *store.Store {
	b.Helper()
	s, err := store.Open(filepath.Join(b.TempDir(), "sved.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	raw := bytes.Repeat([]byte("Bonjour, je souhaite un acte de naissance.\r\n"), 20<<10/44)
	build := func(d *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
		m := store.OutboundMail{Kind: "forward", Recipients: []string{"etat-civil@mairie.example"},
			MessageID: "fwd." + d.Ref + "@mairie.example", Raw: raw}
		return nil, []store.OutboundMail{m}, nil
	}
	for i := range n {
		nd := &store.NewDossier{
			Dossier: dossier.Dossier{Tenant: "lyon", Channel: dossier.ChannelSMTP,
				Requester: dossier.Address{Addr: "jeanne@example.org"}},
			Prefix: "LYO", Location: time.UTC, Raw: raw,
			DedupKey: fmt.Sprintf("bench-%d", i), Build: build,
		}
		if _, _, err := s.Create(context.Background(), nd); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkDrain measures how fast the worker empties a queue of 1000
// mails through a transport that returns at once, per Concurrency.
func BenchmarkDrain(b *testing.B) {
	const mails = 1000
	for _, concurrency := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("concurrency=%d", concurrency), func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				s := fillQueue(b, mails)
				w := NewWorker(s, instantTransport{}, WorkerOptions{Concurrency: concurrency})
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				b.StartTimer()

				began := time.Now()
				go func() { done <- w.Run(ctx) }()
				waitDrained(b, s)
				total += time.Since(began)

				b.StopTimer()
				cancel()
				<-done
				b.StartTimer()
			}
			b.ReportMetric(float64(mails*b.N)/total.Seconds(), "mails/s")
		})
	}
}

func waitDrained(b *testing.B, s *store.Store) {
	for {
		st, err := s.Stats()
		if err != nil {
			b.Fatal(err)
		}
		if st.Pending == 0 {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}
