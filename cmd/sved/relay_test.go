package main

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// sink is an SMTP relay started by a test: it records every message.
type sink struct {
	mu   sync.Mutex
	msgs []sunk
	addr string
}

type sunk struct {
	from string
	to   []string
	data string
}

type sinkSession struct {
	s    *sink
	from string
	to   []string
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }
func (s *sinkSession) Mail(from string, _ *gosmtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *sinkSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.s.mu.Lock()
	s.s.msgs = append(s.s.msgs, sunk{from: s.from, to: s.to, data: string(b)})
	s.s.mu.Unlock()
	return nil
}

func startSink(t *testing.T) *sink {
	t.Helper()
	k := &sink{}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(*gosmtp.Conn) (gosmtp.Session, error) {
		return &sinkSession{s: k}, nil
	}))
	srv.Domain = "relay.test.invalid"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return k
}

func (k *sink) wait(t *testing.T, n int) []sunk {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		k.mu.Lock()
		got := append([]sunk(nil), k.msgs...)
		k.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("relay received %d messages, want %d", len(got), n)
			}
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeDeliversThroughRelay(t *testing.T) {
	curl := requireTool(t, "curl")
	k := startSink(t)
	e := newEnv(t, "smtp://"+k.addr)
	d := e.serve()

	raw := "From: \"Élise Durand\" <elise@example.org>\r\nTo: urbanisme@mairie-saint-exemple.fr\r\n" +
		"Subject: =?UTF-8?Q?D=C3=A9claration_pr=C3=A9alable?=\r\nMessage-ID: <dp-1@example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoici ma déclaration.\r\n"
	file := filepath.Join(e.dir, "dp.eml")
	os.WriteFile(file, []byte(raw), 0o600)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, curl, "--silent", "--show-error", "smtp://"+d.addr,
		"--mail-from", "elise@example.org", "--mail-rcpt", "urbanisme@mairie-saint-exemple.fr",
		"--upload-file", file).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}

	msgs := k.wait(t, 2)
	var aee, fwd *sunk
	for i := range msgs {
		switch {
		case len(msgs[i].to) == 1 && msgs[i].to[0] == "elise@example.org":
			aee = &msgs[i]
		case len(msgs[i].to) == 1 && msgs[i].to[0] == "service-urbanisme@mairie-saint-exemple.fr":
			fwd = &msgs[i]
		}
	}
	if aee == nil || fwd == nil {
		t.Fatalf("relay got %+v, want an AEE to elise@example.org and a forward to the urbanisme mailbox", msgs)
	}
	for _, m := range []*sunk{aee, fwd} {
		if !strings.HasSuffix(m.from, "@reponse.mairie-saint-exemple.fr") {
			t.Errorf("envelope sender %q, want the dossier's reply address", m.from)
		}
	}
	if !strings.Contains(aee.data, "Auto-Submitted: auto-replied") {
		t.Error("AEE lacks Auto-Submitted: auto-replied")
	}
	if !strings.Contains(fwd.data, "Voici ma d") {
		t.Error("forward lacks the request text")
	}

	list := e.mustCLI("dossiers", "list")
	if !strings.Contains(list, "Déclaration préalable") {
		t.Errorf("dossiers list lacks the decoded subject:\n%s", list)
	}
	if _, err := os.Stat(e.outbox()); err == nil {
		if files, _ := filepath.Glob(filepath.Join(e.outbox(), "*.eml")); len(files) > 0 {
			t.Errorf("relay transport also wrote files: %v", files)
		}
	}
}
