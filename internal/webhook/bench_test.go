package webhook

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// BenchmarkSignedSubmission measures signed JSON submissions through
// the handler into a real bbolt store, each creating a dossier and
// queueing its AEE and forward. Parallelism is clients per processor:
// 1 compares with intake's BenchmarkDeliver, 16 lets commits group.
func BenchmarkSignedSubmission(b *testing.B) {
	for _, parallelism := range []int{1, 16} {
		b.Run(fmt.Sprintf("parallelism=%d", parallelism), func(b *testing.B) {
			benchmarkSubmissions(b, parallelism)
		})
	}
}

func benchmarkSubmissions(b *testing.B, parallelism int) {
	f := newFixture(b)
	var seq atomic.Uint64
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("bench-%d", seq.Add(1))
			req := f.signedJSON(validJSON, key, f.clock.Now())
			req.RemoteAddr = "127.0.0.1:40000"
			rec := newRecorder()
			f.handler.ServeHTTP(rec, req)
			if rec.code != http.StatusCreated {
				b.Errorf("status %d: %s", rec.code, rec.body.String())
				return
			}
		}
	})
}

// recorder is a minimal http.ResponseWriter, lighter than httptest's.
type recorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, code: http.StatusOK} }

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(code int)        { r.code = code }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }
