package imap

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/intake"
)

// unreachedDeliverer is a Deliverer that the trickling server never
// lets a message reach.
type unreachedDeliverer struct{}

func (unreachedDeliverer) Deliver(context.Context, *intake.Envelope) ([]intake.Result, error) {
	return nil, fmt.Errorf("no message should arrive")
}

// trickleServer is an IMAP server on 127.0.0.1 that lists one message
// and then sends its body one byte every 100 ms, forever, so that the
// client's watchdog never fires. trickling is closed when it starts.
func trickleServer(t *testing.T) (port int, trickling chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	trickling = make(chan struct{})
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		r := bufio.NewReader(conn)
		io.WriteString(conn, "* OK [CAPABILITY IMAP4rev1] ready\r\n")
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			tag, cmd := f[0], strings.ToUpper(f[1])
			switch {
			case cmd == "SELECT" || cmd == "EXAMINE":
				io.WriteString(conn, "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 2] ok\r\n"+
					tag+" OK [READ-ONLY] done\r\n")
			case cmd == "UID" && strings.Contains(strings.ToUpper(line), "BODY"):
				io.WriteString(conn, "* 1 FETCH (UID 1 BODY[] {100000}\r\n")
				close(trickling)
				for {
					if _, err := conn.Write([]byte("x")); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			case cmd == "UID":
				io.WriteString(conn, "* 1 FETCH (UID 1 RFC822.SIZE 100000)\r\n"+tag+" OK done\r\n")
			default:
				io.WriteString(conn, tag+" OK done\r\n")
			}
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, trickling
}

// TestPollerStopsDespiteTricklingServer stops a poller while a server
// sends a message one byte at a time: the stop must not wait for the
// message, nor for the mailbox timeout that every byte renews.
func TestPollerStopsDespiteTricklingServer(t *testing.T) {
	port, trickling := trickleServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imap-password"), []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(tenantYAML, dir, port, "none", "", "agent", "INBOX", "none", "all")))
	if err != nil {
		t.Fatal(err)
	}
	mb := cfg.Tenants[0].Mailboxes[0]
	mb.Timeout = time.Second
	st := openStore(t, dir)
	p, err := New("ville", mb, unreachedDeliverer{}, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		p.Run(ctx)
		close(done)
	}()
	select {
	case <-trickling:
	case <-time.After(10 * time.Second):
		t.Fatal("the poller never fetched the message")
	}
	time.Sleep(2 * time.Second) // longer than the mailbox timeout
	start := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(4 * stopTimeout):
		t.Fatalf("the poller still runs %s after the stop", time.Since(start).Round(time.Second))
	}
}
