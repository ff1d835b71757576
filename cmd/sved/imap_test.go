package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/imap/imaptest"
)

// withMailbox adds a mailbox of the first tenant that polls srv.
func (e *env) withMailbox(t *testing.T, srv *imaptest.Server, after string) {
	t.Helper()
	passwordFile := filepath.Join(e.dir, "imap-password")
	if err := os.WriteFile(passwordFile, []byte(srv.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	mailbox := fmt.Sprintf(`    mailboxes:
      - name: contact
        host: 127.0.0.1
        port: %d
        tls: none
        username: %s
        password_file: %s
        intake: contact@mairie-saint-exemple.fr
        after: %q
        initial: all
        resync_interval: 2s
`, srv.Port, srv.User, passwordFile, after)
	// The first tenant's block ends where the natures list ends.
	cfg := strings.Replace(string(data), "        regime: aucun\n", "        regime: aucun\n"+mailbox, 1)
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendRequests(t *testing.T, srv *imaptest.Server, first, n int) {
	t.Helper()
	c, err := srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	for i := first; i < first+n; i++ {
		raw := fmt.Sprintf("From: Jeanne Martin <jeanne.%[1]d@example.org>\r\n"+
			"To: contact@mairie-saint-exemple.fr\r\nSubject: Demande %[1]d\r\n"+
			"Message-ID: <imap-%[1]d@example.org>\r\n\r\nBonjour, demande %[1]d.\r\n", i)
		if err := c.Append("INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
	}
}

// waitLogCount waits until the daemon's log contains want count times.
func (d *daemon) waitLogCount(t *testing.T, want string, count int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(d.log(), want) < count {
		if time.Now().After(deadline) {
			t.Fatalf("log lacks %d × %q after 30s:\n%s", count, want, d.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServePollsIMAPMailbox(t *testing.T) {
	srv := imaptest.Start(t, imaptest.Options{})
	e := newEnv(t, "")
	e.withMailbox(t, srv, "seen")
	appendRequests(t, srv, 1, 1)
	d := e.serve()
	waitFiles(t, e.outbox(), 2)
	d.waitLogCount(t, "imap folder selected", 1)

	// A reload that changes the mailbox restarts its poller, which then
	// moves mail instead of flagging it.
	cfg := readFile(t, e.config)
	if err := os.WriteFile(e.config, []byte(strings.Replace(cfg, `after: "seen"`, `after: "move:Traites"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLogCount(t, "imap mailboxes changed", 1)
	d.waitLogCount(t, "imap folder selected", 2)
	appendRequests(t, srv, 2, 1)
	waitFiles(t, e.outbox(), 4)

	d.stop()
	if !strings.Contains(d.log(), "imap poller stopped") {
		t.Errorf("no log line for the poller's stop:\n%s", d.log())
	}
	if n := strings.Count(srv.Log(), "Logged out"); n < 2 {
		t.Errorf("Dovecot logged %d logouts, want one per poller", n)
	}
	flags := srv.Flags(t, "INBOX")
	if len(flags) != 1 || !strings.Contains(flags[1], `\Seen`) {
		t.Errorf("INBOX flags = %v, want UID 1 seen and UID 2 moved", flags)
	}
	if n := len(srv.Flags(t, "Traites")); n != 1 {
		t.Errorf("Traites holds %d messages, want 1", n)
	}
	list := e.mustCLI("dossiers", "list")
	if n := strings.Count(list, "SAINTEX-"); n != 2 {
		t.Errorf("dossiers list shows %d dossiers, want 2:\n%s", n, list)
	}
}

// TestServeIMAPSurvivesKills kills the daemon with SIGKILL several
// times while it drains a mailbox, whose messages it deletes after
// storing them. Some kills fall between a commit and the deletion. In
// the end every message must have exactly one dossier, one AEE and one
// forward, and the mailbox must be empty.
func TestServeIMAPSurvivesKills(t *testing.T) {
	srv := imaptest.Start(t, imaptest.Options{})
	// A kill during a delivery defers that mail by retry_interval, which
	// newEnv sets to 1s for an explicit transport.
	dir := t.TempDir()
	e := newEnv(t, "dir:"+filepath.Join(dir, "outbox"))
	e.withMailbox(t, srv, "delete")
	const n = 300
	appendRequests(t, srv, 1, n)

	var logs strings.Builder
	for kill := 1; kill <= 4; kill++ {
		d := e.serve()
		d.waitLogCount(t, "dossier created", 1)
		d.kill()
		logs.WriteString(d.log())
	}
	d := e.serve()
	deadline := time.Now().Add(time.Minute)
	for len(srv.Flags(t, "INBOX")) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("INBOX still holds %d messages:\n%s", len(srv.Flags(t, "INBOX")), d.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	files := waitFiles(t, filepath.Join(dir, "outbox"), 2*n)
	d.stop()
	logs.WriteString(d.log())
	if !strings.Contains(logs.String(), "post-fetch action missed before") {
		t.Error("no kill fell between a commit and its post-fetch action; the test proved nothing")
	}

	kinds := map[string]int{}
	for _, f := range files {
		for _, kind := range []string{"-aee-", "-forward-"} {
			if strings.Contains(filepath.Base(f), kind) {
				kinds[kind]++
			}
		}
	}
	if kinds["-aee-"] != n || kinds["-forward-"] != n {
		t.Errorf("outbox holds %d AEEs and %d forwards, want %d of each", kinds["-aee-"], kinds["-forward-"], n)
	}
	list := e.mustCLI("dossiers", "list")
	if got := strings.Count(list, "SAINTEX-"); got != n {
		t.Errorf("dossiers list shows %d dossiers, want %d", got, n)
	}
}
