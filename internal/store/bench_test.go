package store

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// benchRaw is a 20 KiB message, the size of a short mail with a
// signature logo.
var benchRaw = bytes.Repeat([]byte("Bonjour, je souhaite un acte de naissance.\r\n"), 20<<10/44)

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, _ := openTest(b, newClock(start2026))
	return s
}

// BenchmarkCreateSerial measures one Create at a time: each commit pays
// its own fsync and the batch delay.
func BenchmarkCreateSerial(b *testing.B) {
	s := benchStore(b)
	b.SetBytes(int64(len(benchRaw)))
	i := 0
	for b.Loop() {
		i++
		nd := newItem("lyon", fmt.Sprintf("s%d", i), benchRaw)
		if _, _, err := s.Create(context.Background(), nd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateParallel measures concurrent Creates, which share
// transactions and fsyncs through db.Batch. Run with -cpu or
// SetParallelism to vary the number of writers.
func BenchmarkCreateParallel(b *testing.B) {
	s := benchStore(b)
	b.SetBytes(int64(len(benchRaw)))
	b.SetParallelism(16)
	var n atomic.Int64
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			nd := newItem("lyon", fmt.Sprintf("p%d", i), benchRaw)
			if _, _, err := s.Create(context.Background(), nd); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "dossiers/s")
}
