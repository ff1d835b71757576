package imap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sved-project/sved/internal/intake"
)

// failingDeliverer fails every delivery of messages containing marker,
// and panics on those containing panicMarker.
type failingDeliverer struct {
	next        Deliverer
	marker      []byte
	panicMarker []byte
	calls       atomic.Int64
}

func (d *failingDeliverer) Deliver(ctx context.Context, env *intake.Envelope) ([]intake.Result, error) {
	if bytes.Contains(env.Raw, d.marker) {
		d.calls.Add(1)
		return nil, errors.New("store unavailable")
	}
	if d.panicMarker != nil && bytes.Contains(env.Raw, d.panicMarker) {
		panic("template broken")
	}
	return d.next.Deliver(ctx, env)
}

func TestPollerBoundedRetries(t *testing.T) {
	f := newFixture(t, fixtureOptions{after: "delete"})
	f.mailbox.MaxAttempts = 3
	d := &failingDeliverer{next: f.deliver, marker: []byte("demande 2."), panicMarker: []byte("demande 3.")}
	for n := 1; n <= 4; n++ {
		f.srv.Save(t, "INBOX", request(n))
	}
	p, _ := f.start(t, func(p *Poller) { p.deliver = d })
	f.waitDossiers(t, 2)
	waitFor(t, "both bad messages skipped", func() bool { return p.Stats().Skipped == 2 }, f)
	// UID 4 was deleted by the post-fetch action before the skips, so
	// the last listing ends at 3.
	waitFor(t, "the cursor past them", func() bool {
		c, err := f.store.Cursor(f.cursorKey())
		return err == nil && c.LastUID >= 3 && c.ActionUID == c.LastUID
	}, f)

	if n := d.calls.Load(); n != 3 {
		t.Errorf("failing message tried %d times, want max_attempts (3)", n)
	}
	if s := p.Stats(); s.Failures != 4 {
		t.Errorf("failures = %d, want 4 (two retried attempts for each bad message)", s.Failures)
	}
	// The skipped messages stay in the folder; the stored ones are
	// deleted.
	flags := f.srv.Flags(t, "INBOX")
	if len(flags) != 2 {
		t.Errorf("folder holds UIDs %v, want only the two skipped messages", flags)
	}
	for _, uid := range []uint32{2, 3} {
		if _, ok := flags[uid]; !ok {
			t.Errorf("skipped UID %d is gone from the folder", uid)
		}
	}
	logs := f.logs.String()
	for _, want := range []string{"store unavailable", "panic while delivering", "skipped and left in the folder"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// cuttingProxy forwards IMAP connections to target and closes a
// connection as soon as the server sends marker, as a server that
// crashes on one message would.
func cuttingProxy(t *testing.T, target string, marker []byte) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			client, err := l.Accept()
			if err != nil {
				return
			}
			go proxyConn(client, target, marker)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func proxyConn(client net.Conn, target string, marker []byte) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go io.Copy(server, client)
	buf := make([]byte, 32<<10)
	var tail []byte
	for {
		n, err := server.Read(buf)
		if n > 0 {
			window := append(tail, buf[:n]...)
			if i := bytes.Index(window, marker); i >= 0 {
				// The bytes before the marker still reach the client,
				// as they would from a server that crashes there.
				client.Write(window[len(tail):max(len(tail), i)])
				return
			}
			tail = append([]byte(nil), window[max(0, len(window)-len(marker)):]...)
			if _, werr := client.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func TestPollerSkipsMessageThatBreaksConnection(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.mailbox.Port = cuttingProxy(t, f.srv.Addr(), []byte("POISON-MARKER"))
	f.mailbox.MaxAttempts = 2
	poison := []byte("From: jeanne@example.org\r\nSubject: x\r\nMessage-ID: <poison@example.org>\r\n\r\nPOISON-MARKER\r\n")
	f.srv.Save(t, "INBOX", request(1))
	f.srv.Save(t, "INBOX", poison)
	f.srv.Save(t, "INBOX", request(3))

	p, stop := f.start(t, nil)
	f.waitDossiers(t, 2)
	waitFor(t, "the skip", func() bool { return p.Stats().Skipped == 1 }, f)
	waitFor(t, "the cursor past the skipped message", func() bool {
		c, err := f.store.Cursor(f.cursorKey())
		return err == nil && c.LastUID == 3
	}, f)
	stop()
	if s := p.Stats(); s.Reconnects != 2 || s.Failures != 1 {
		t.Errorf("stats = %+v, want one failure and a reconnection after each of the 2 broken fetches", s)
	}
	if !strings.Contains(f.logs.String(), "uid=2 attempts=2") {
		t.Errorf("the skipped UID is not 2, the message that broke the connection:\n%s", f.logs)
	}
}

// TestPollerRejectedActionKeepsPolling moves messages to a folder the
// server refuses to create: the messages are still stored, polling goes
// on, and the position of the action stays behind.
func TestPollerRejectedActionKeepsPolling(t *testing.T) {
	f := newFixture(t, fixtureOptions{after: "move:~Traites"})
	f.srv.Save(t, "INBOX", request(1))
	p, stop := f.start(t, nil)
	f.waitDossiers(t, 1)
	f.srv.Save(t, "INBOX", request(2))
	f.waitDossiers(t, 2)
	waitFor(t, "the cursor", func() bool {
		c, err := f.store.Cursor(f.cursorKey())
		return err == nil && c.LastUID == 2
	}, f)
	stop()

	c, err := f.store.Cursor(f.cursorKey())
	if err != nil {
		t.Fatal(err)
	}
	if c.ActionUID != 0 {
		t.Errorf("ActionUID = %d, want 0 while the action fails", c.ActionUID)
	}
	if n := len(f.srv.Flags(t, "INBOX")); n != 2 {
		t.Errorf("INBOX holds %d messages, want both left there", n)
	}
	if s := p.Stats(); s.Reconnects != 0 {
		t.Errorf("stats = %+v, want no reconnection for a rejected action", s)
	}
	if n := strings.Count(f.logs.String(), "post-fetch action rejected"); n != 1 {
		t.Errorf("rejected action logged %d times, want once per session", n)
	}
}
