package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

// TestKillDuringLoad kills sved serve with SIGKILL while clients send,
// then checks that every message that got a 250 is stored whole.
func TestKillDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: kills and restarts the daemon")
	}
	e := newEnv(t, "")
	d := e.serve()

	const clients = 8
	var (
		mu    sync.Mutex
		acked = map[string]string{} // Message-ID -> raw message
		sent  atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
	)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := fmt.Sprintf("load-%d-%d@example.org", c, i)
				// One sender per message, so the daily cap on AEEs per
				// address never applies and every dossier queues two mails.
				sender := fmt.Sprintf("client%d-%d@example.org", c, i)
				raw := fmt.Sprintf("From: Client %d <%s>\r\nTo: contact@mairie-saint-exemple.fr\r\n"+
					"Subject: Demande %d/%d\r\nMessage-ID: <%s>\r\n\r\n%s\r\n", c, sender, c, i, id, strings.Repeat("texte ", 300))
				err := sendPlain(d.addr, sender, "contact@mairie-saint-exemple.fr", raw)
				sent.Add(1)
				if err != nil {
					if c == 0 && i == 0 {
						t.Logf("first send: %v", err)
					}
					continue // no 250: nothing is promised
				}
				mu.Lock()
				acked[id] = raw
				mu.Unlock()
			}
		}(c)
	}

	// Let some messages through, then crash the daemon mid-traffic.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.kill()
	stop.Store(true)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no message was acknowledged before the kill")
	}
	t.Logf("%d attempts, %d acknowledged before SIGKILL", sent.Load(), len(acked))

	st, err := store.Open(filepath.Join(e.dataDir, "sved.db"), store.Options{})
	if err != nil {
		t.Fatalf("reopen store after SIGKILL: %v", err)
	}
	all, err := st.List(store.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]dossier.Dossier{}
	for _, ds := range all {
		byID[ds.MessageID] = ds
		checkWhole(t, st, ds)
	}
	for id, raw := range acked {
		ds, ok := byID[id]
		if !ok {
			t.Errorf("message %s got a 250 but is not stored", id)
			continue
		}
		got, err := st.Raw(ds.Ref)
		if err != nil || string(got) != raw {
			t.Errorf("dossier %s: raw message differs from what was sent (err %v)", ds.Ref, err)
		}
	}
	st.Close()

	// The daemon starts again on the same file and keeps serving.
	d2 := e.serve()
	out, err := d2.swaks(t, "--from", "apres@example.org", "--to", "contact@mairie-saint-exemple.fr",
		"--header", "Subject: Après le redémarrage")
	if err != nil {
		t.Fatalf("swaks after restart: %v\n%s", err, out)
	}
	refsOf(t, out)
}

// checkWhole fails when a dossier lacks a part that its creating
// transaction writes.
func checkWhole(t *testing.T, st *store.Store, ds dossier.Dossier) {
	t.Helper()
	journal, err := st.Journal(ds.Ref)
	if err != nil || len(journal) == 0 {
		t.Errorf("dossier %s has no journal (err %v)", ds.Ref, err)
		return
	}
	if err := dossier.VerifyChain(journal); err != nil {
		t.Errorf("dossier %s: %v", ds.Ref, err)
	}
	if raw, err := st.Raw(ds.Ref); err != nil || len(raw) == 0 {
		t.Errorf("dossier %s has no raw message (err %v)", ds.Ref, err)
	}
	mails, err := st.Mails(ds.Ref)
	if err != nil || len(mails) != 2 {
		t.Errorf("dossier %s has %d queued mails, want AEE and forward (err %v)", ds.Ref, len(mails), err)
	}
}

// sendPlain sends one message over a new connection without TLS, which
// the test daemon does not offer.
func sendPlain(addr, from, to, raw string) error {
	c, err := gosmtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, strings.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}
