package intake

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/dossier"
)

// BenchmarkDeliver measures the pipeline alone (parse, classify, render
// the AEE and forward, store) on 20 KiB requests, without SMTP.
func BenchmarkDeliver(b *testing.B) {
	f := newFixture(&testing.T{})
	body := strings.Repeat(strings.Repeat("Bonjour, voici ma demande. ", 3)+"\r\n", 250)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			raw := fmt.Sprintf("From: Jeanne <j%d@example.org>\r\nTo: contact@ville.example.fr\r\n"+
				"Subject: Demande %d\r\nMessage-ID: <%p-%d@example.org>\r\n\r\n%s", i, i, pb, i, body)
			_, err := f.p.Deliver(context.Background(), &Envelope{Channel: dossier.ChannelSMTP,
				From: "j@example.org", Recipients: []string{"contact@ville.example.fr"}, Raw: []byte(raw)})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
