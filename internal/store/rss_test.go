package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/dossier"
)

// procStatus returns the named fields of /proc/self/status, in KiB.
func procStatus(t *testing.T, names ...string) map[string]string {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if ok {
			out[name] = strings.TrimSpace(value)
		}
	}
	return out
}

func logMemory(t *testing.T, step string) {
	st := procStatus(t)
	t.Logf("%-12s VmHWM %s  VmRSS %s  RssAnon %s  RssFile %s",
		step, st["VmHWM"], st["VmRSS"], st["RssAnon"], st["RssFile"])
}

// TestRSSQueueDrain reports the resident memory of a store of 3000
// dossiers of 20 KiB, each with two queued mails of 30 KiB, before and
// after the queue is drained through DueMails and MarkSent. It runs only
// when SVED_RSS_TEST is set, because it writes about 250 MB.
func TestRSSQueueDrain(t *testing.T) {
	if os.Getenv("SVED_RSS_TEST") == "" {
		t.Skip("set SVED_RSS_TEST=1 to measure the resident memory of a queue drain")
	}
	const dossiers = 3000
	s, _ := openTest(t, newClock(start2026))
	raw := bytes.Repeat([]byte("Bonjour, je souhaite un acte de naissance.\r\n"), 20<<10/44)
	mailRaw := bytes.Repeat([]byte("Transfert de la demande au service.\r\n"), 30<<10/37)
	build := func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		var mails []OutboundMail
		for _, kind := range []string{"aee", "forward"} {
			mails = append(mails, OutboundMail{Kind: kind, Recipients: []string{"a@example.org"},
				MessageID: kind + "." + d.Ref + "@mairie.example", Raw: mailRaw})
		}
		return nil, mails, nil
	}
	logMemory(t, "start")
	for i := range dossiers {
		nd := newItem("lyon", fmt.Sprintf("rss%d", i), raw)
		nd.Build = build
		if _, _, err := s.Create(context.Background(), nd); err != nil {
			t.Fatal(err)
		}
	}
	logMemory(t, "filled")

	sent := 0
	for {
		due, err := s.DueMails(start2026, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(due) == 0 {
			break
		}
		for _, m := range due {
			if err := s.MarkSent(m.ID, "250 ok"); err != nil {
				t.Fatal(err)
			}
			sent++
		}
	}
	logMemory(t, "drained")
	if sent != 2*dossiers {
		t.Errorf("sent %d mails, want %d", sent, 2*dossiers)
	}
}

// TestTrimMapConcurrentReads runs enough writes to trim the memory map
// several times while other goroutines read large values, and checks
// that every read returns the stored bytes.
func TestTrimMapConcurrentReads(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	raw := bytes.Repeat([]byte("0123456789abcdef"), 20<<10/16)
	first := mustCreate(t, s, newItem("lyon", "first", raw))

	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			got, err := s.Raw(first.Ref)
			if err != nil || !bytes.Equal(got, raw) {
				errs <- fmt.Errorf("Raw = %d bytes, %v; want the stored %d bytes", len(got), err, len(raw))
				return
			}
		}
	}()
	for i := range 3 * trimEvery {
		mustCreate(t, s, newItem("lyon", fmt.Sprintf("w%d", i), raw))
	}
	close(done)
	if err := <-errs; err != nil {
		t.Error(err)
	}
	due, err := s.DueMails(start2026, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 3*trimEvery+1 {
		t.Errorf("DueMails = %d mails, want %d", len(due), 3*trimEvery+1)
	}
}
