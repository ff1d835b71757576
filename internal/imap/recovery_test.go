package imap

import (
	"context"
	"github.com/sved-project/sved/internal/dossier"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/store"
)

// TestPollerCrashBeforeAction stops the poller right after the first
// message commits, before its post-fetch action, as a crash would. The
// next poller must apply the action without a second dossier or AEE.
func TestPollerCrashBeforeAction(t *testing.T) {
	f := newFixture(t, fixtureOptions{after: "delete"})
	f.srv.Save(t, "INBOX", request(1))

	ctx, cancel := context.WithCancel(context.Background())
	p, err := New("ville", f.mailbox, f.deliver, f.store, f.logger())
	if err != nil {
		t.Fatal(err)
	}
	p.afterStore = func(uid uint32) { cancel() }
	p.Run(ctx)

	refs := f.waitDossiers(t, 1)
	if n := len(f.srv.Flags(t, "INBOX")); n != 1 {
		t.Fatalf("INBOX holds %d messages after the stop, want the message still there", n)
	}
	c, err := f.store.Cursor(f.cursorKey())
	if err != nil {
		t.Fatal(err)
	}
	if c.LastUID != 1 || c.ActionUID != 0 {
		t.Fatalf("cursor = %+v, want LastUID 1 committed with the dossier and ActionUID 0", c)
	}

	f.srv.Save(t, "INBOX", request(2))
	_, stop := f.start(t, nil)
	f.waitDossiers(t, 2)
	waitFor(t, "the missed action", func() bool { return len(f.srv.Flags(t, "INBOX")) == 0 }, f)
	stop()

	if kinds := f.mailKinds(t, refs[0]); len(kinds) != 2 {
		t.Errorf("mails of %s = %v, want one AEE and one forward", refs[0], kinds)
	}
}

// TestPollerRereadsAfterCommitLoss covers a crash that leaves the
// cursor behind a stored message: the message is read again, and
// deduplication returns its dossier without a second mail.
func TestPollerRereadsAfterCommitLoss(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.srv.Save(t, "INBOX", request(1))
	_, stop := f.start(t, nil)
	refs := f.waitDossiers(t, 1)
	stop()

	uidValidity := f.srv.UIDValidity(t, "INBOX")
	if _, err := f.store.UpdateCursor(context.Background(), f.cursorKey(), uidValidity+1,
		func(c *store.Cursor) {}); err != nil {
		t.Fatal(err)
	}
	p, stop := f.start(t, nil)
	waitFor(t, "the duplicate", func() bool { return p.Stats().Duplicates == 1 }, f)
	stop()
	if got := f.dossiers(t); len(got) != 1 {
		t.Errorf("dossiers = %v, want only %s", got, refs[0])
	}
	if kinds := f.mailKinds(t, refs[0]); len(kinds) != 2 {
		t.Errorf("mails of %s = %v, want one AEE and one forward", refs[0], kinds)
	}
}

func TestPollerUIDValidityChange(t *testing.T) {
	f := newFixture(t, fixtureOptions{folder: "Contact"})
	f.srv.Doveadm(t, "mailbox create", "Contact")
	f.srv.Save(t, "Contact", request(1))
	f.srv.Save(t, "Contact", request(2))
	_, stop := f.start(t, nil)
	f.waitDossiers(t, 2)
	stop()
	before := f.srv.UIDValidity(t, "Contact")

	// The provider recreates the folder and restores its messages, plus
	// one new message.
	f.srv.Doveadm(t, "mailbox delete", "Contact")
	f.srv.Doveadm(t, "mailbox create", "Contact")
	for _, n := range []int{2, 1, 3} {
		f.srv.Save(t, "Contact", request(n))
	}
	after := f.srv.UIDValidity(t, "Contact")
	if after == before {
		t.Fatalf("UIDVALIDITY did not change (%d); the test cannot run", after)
	}

	p, stop := f.start(t, nil)
	f.waitDossiers(t, 3)
	waitFor(t, "the re-read", func() bool { return p.Stats().Duplicates == 2 }, f)
	stop()
	c, err := f.store.Cursor(f.cursorKey())
	if err != nil {
		t.Fatal(err)
	}
	if c.UIDValidity != after || c.LastUID != 3 {
		t.Errorf("cursor = %+v, want UIDVALIDITY %d and LastUID 3", c, after)
	}
	if !strings.Contains(f.logs.String(), "UIDVALIDITY changed") {
		t.Error("no log line about the UIDVALIDITY change")
	}
}

func TestPollerReconnectsAfterServerRestart(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.srv.Save(t, "INBOX", request(1))
	p, _ := f.start(t, nil)
	f.waitDossiers(t, 1)

	f.srv.Stop()
	f.srv.DropFile(t, "INBOX", request(2))
	waitFor(t, "a failed reconnection", func() bool {
		return p.Stats().Reconnects >= 1 && strings.Contains(f.logs.String(), "reconnecting")
	}, f)
	f.srv.Restart(t)
	f.waitDossiers(t, 2)
	if !strings.Contains(f.logs.String(), "reconnecting") {
		t.Error("no log line about the reconnection")
	}
}

func TestPollerLargeAndMalformedMessages(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	large := largeMessage(20 << 20)
	malformed := []byte("From jeanne\r\nSubject: =?utf-8?B?invalid\r\nContent-Type: multipart/mixed; boundary=\"x\r\n" +
		"\r\n--x\r\nContent-Type: text/plain; charset=unknown-8bit\r\n\r\n\xff\xfe caf\xe9\r\n")
	f.srv.Save(t, "INBOX", large)
	f.srv.Save(t, "INBOX", malformed)
	_, stop := f.start(t, nil)
	refs := f.waitDossiers(t, 2)
	stop()

	found := map[string]bool{}
	for _, ref := range refs {
		raw, err := f.store.Raw(ref)
		if err != nil {
			t.Fatal(err)
		}
		switch string(raw) {
		case string(large):
			found["large"] = true
		case string(malformed):
			found["malformed"] = true
		}
	}
	if !found["large"] {
		t.Error("the 20 MiB message is not stored byte for byte")
	}
	if !found["malformed"] {
		t.Error("the malformed message is not stored byte for byte")
	}
}

func TestPollerSkipsMessageAboveLimit(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.mailbox.MaxMessageBytes = 64 << 10
	f.srv.Save(t, "INBOX", largeMessage(100<<10))
	f.srv.Save(t, "INBOX", request(2))
	p, stop := f.start(t, nil)
	refs := f.waitDossiers(t, 2)
	waitFor(t, "the skip", func() bool { return p.Stats().Skipped == 1 }, f)
	stop()

	// The commune received the message: a placeholder dossier, written
	// from its envelope, acknowledges it and tells the service where the
	// original waits.
	var placeholder *dossier.Dossier
	for _, ref := range refs {
		d, err := f.store.Get(ref)
		if err != nil {
			t.Fatal(err)
		}
		if d.Subject == "Plans" {
			placeholder = d
		}
	}
	if placeholder == nil || placeholder.Requester.Addr != "jeanne@example.org" {
		t.Fatalf("no placeholder dossier for the large message among %v: %+v", refs, placeholder)
	}
	mails, err := f.store.Mails(placeholder.Ref)
	if err != nil || len(mails) != 2 {
		t.Fatalf("placeholder mails = %d, %v; want the AEE and the forward", len(mails), err)
	}
	raw, err := f.store.Raw(placeholder.Ref)
	if err != nil || !strings.Contains(string(raw), "n'a pas pu être lu dans la boîte") ||
		!strings.Contains(string(raw), "larger than max_message_bytes") {
		t.Errorf("placeholder text:\n%s", raw)
	}
	c, err := f.store.Cursor(f.cursorKey())
	if err != nil {
		t.Fatal(err)
	}
	if c.LastUID != 2 {
		t.Errorf("LastUID = %d, want 2: the skipped message must not block the mailbox", c.LastUID)
	}
	if !strings.Contains(f.logs.String(), "larger than max_message_bytes") {
		t.Error("no log line names the reason of the skip")
	}
}

// largeMessage returns a request with a base64 attachment that brings
// it to about size bytes.
func largeMessage(size int) []byte {
	var b strings.Builder
	b.WriteString("From: Jeanne Martin <jeanne@example.org>\r\nTo: contact@ville.example.fr\r\n" +
		"Subject: Plans\r\nMessage-ID: <large@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
		"Voici les plans.\r\n--b\r\nContent-Type: application/pdf\r\n" +
		"Content-Disposition: attachment; filename=plans.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := strings.Repeat("QUJD", 19) + "\r\n"
	for i := 0; b.Len() < size-len(line)-10; i++ {
		b.WriteString(line)
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

func TestPollerWithoutIDLEPolls(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: imaptestNoIDLE()})
	_, _ = f.start(t, nil)
	waitFor(t, "the first poll", func() bool {
		return strings.Contains(f.logs.String(), "idle=false")
	}, f)
	f.srv.Save(t, "INBOX", request(1))
	f.waitDossiers(t, 1)
}

func TestPollerLogsOutOnStop(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.srv.Save(t, "INBOX", request(1))
	_, stop := f.start(t, nil)
	f.waitDossiers(t, 1)
	time.Sleep(100 * time.Millisecond) // let the poller enter IDLE
	stop()
	waitFor(t, "Dovecot's logout line", func() bool {
		return strings.Contains(f.srv.Log(), "Logged out")
	}, f)
	if !strings.Contains(f.logs.String(), "imap poller stopped") {
		t.Error("no log line for the stop")
	}
}

func TestPollerWrongPassword(t *testing.T) {
	f := newFixture(t, fixtureOptions{password: "not-the-password"})
	p, _ := f.start(t, nil)
	waitFor(t, "a failed login", func() bool {
		return p.Stats().Reconnects >= 1 && strings.Contains(f.logs.String(), "reconnecting")
	}, f)
	logs := f.logs.String()
	if !strings.Contains(logs, "mailbox=contact") || !strings.Contains(logs, "log in to") {
		t.Errorf("log does not name the mailbox and the login failure:\n%s", logs)
	}
	if strings.Contains(logs, "not-the-password") || strings.Contains(logs, f.srv.Password) {
		t.Error("log contains a password")
	}
}

func TestPollerTLS(t *testing.T) {
	for _, mode := range []string{"starttls", "implicit"} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{server: imaptestTLS(mode)})
			f.srv.Save(t, "INBOX", request(1))
			f.start(t, nil)
			f.waitDossiers(t, 1)
		})
	}
}

func TestPollerTLSUnknownAuthority(t *testing.T) {
	f := newFixture(t, fixtureOptions{server: imaptestTLS("implicit")})
	f.mailbox.CAFile = ""
	f.srv.Save(t, "INBOX", request(1))
	p, _ := f.start(t, nil)
	waitFor(t, "a failed handshake", func() bool {
		return p.Stats().Reconnects >= 1 && strings.Contains(f.logs.String(), "reconnecting")
	}, f)
	if got := f.dossiers(t); len(got) != 0 {
		t.Errorf("dossiers %v stored over an unverified connection", got)
	}
	if logs := f.logs.String(); !strings.Contains(logs, "certificate") {
		t.Errorf("log does not name the certificate problem:\n%s", logs)
	}
}

func TestPollerBacklogInOrder(t *testing.T) {
	f := newFixture(t, fixtureOptions{after: "seen"})
	const n = 150
	c, err := f.srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := c.Append("INBOX", request(i)); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout()
	p, stop := f.start(t, nil)
	refs := f.waitDossiers(t, n)
	waitFor(t, "the cursor", func() bool {
		c, err := f.store.Cursor(f.cursorKey())
		return err == nil && c.LastUID == n && c.ActionUID == n
	}, f)
	stop()
	if s := p.Stats(); s.Stored != n {
		t.Errorf("stats = %+v, want %d stored", s, n)
	}
	for uid, fl := range f.srv.Flags(t, "INBOX") {
		if !strings.Contains(fl, `\Seen`) {
			t.Errorf("UID %d flags %q, want \\Seen", uid, fl)
		}
	}
	if len(refs) != n {
		t.Errorf("dossiers = %d, want %d", len(refs), n)
	}
}

func TestPollerInitialNewLeavesExistingMail(t *testing.T) {
	f := newFixture(t, fixtureOptions{initial: "new"})
	f.srv.Save(t, "INBOX", request(1))
	f.srv.Save(t, "INBOX", request(2))
	_, stop := f.start(t, nil)
	waitFor(t, "the first selection", func() bool {
		return strings.Contains(f.logs.String(), "imap folder selected")
	}, f)
	f.srv.Save(t, "INBOX", request(3))
	refs := f.waitDossiers(t, 1)
	stop()

	d, err := f.store.Get(refs[0])
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != "Demande 3" {
		t.Errorf("dossier subject %q, want the message that arrived after the start", d.Subject)
	}

	// A restart keeps the position: the old messages stay alone.
	p, stop := f.start(t, nil)
	f.srv.Save(t, "INBOX", request(4))
	f.waitDossiers(t, 2)
	stop()
	if s := p.Stats(); s.Stored != 1 || s.Duplicates != 0 {
		t.Errorf("stats after restart = %+v, want only the new message", s)
	}
}

// TestPollerInitialNewSurvivesUIDValidityChange resets UIDVALIDITY under
// a mailbox read with initial: new: the mail that was there before the
// first connection must stay unread, and no AEE go out for it.
func TestPollerInitialNewSurvivesUIDValidityChange(t *testing.T) {
	f := newFixture(t, fixtureOptions{initial: "new"})
	f.srv.Save(t, "INBOX", request(1))
	f.srv.Save(t, "INBOX", request(2))
	time.Sleep(1100 * time.Millisecond) // INTERNALDATE counts seconds
	_, stop := f.start(t, nil)
	waitFor(t, "the first selection", func() bool {
		return strings.Contains(f.logs.String(), "imap folder selected")
	}, f)
	f.srv.Save(t, "INBOX", request(3))
	f.waitDossiers(t, 1)
	stop()

	before := f.srv.UIDValidity(t, "INBOX")
	f.srv.Stop()
	maildir := filepath.Join(f.srv.Dir, "mail", f.srv.User, "Maildir")
	files, _ := filepath.Glob(filepath.Join(maildir, "dovecot*"))
	for _, file := range files {
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(1100 * time.Millisecond) // a new UIDVALIDITY is the current time
	f.srv.Restart(t)
	if after := f.srv.UIDValidity(t, "INBOX"); after == before {
		t.Fatalf("UIDVALIDITY did not change (%d); the test cannot run", after)
	}

	p, stop := f.start(t, nil)
	f.srv.Save(t, "INBOX", request(4))
	f.waitDossiers(t, 2)
	waitFor(t, "the re-read of message 3", func() bool { return p.Stats().Duplicates == 1 }, f)
	stop()
	if s := p.Stats(); s.Stored != 1 {
		t.Errorf("stats after the UIDVALIDITY change = %+v, want only message 4 stored", s)
	}
	if !strings.Contains(f.logs.String(), "UIDVALIDITY changed") {
		t.Error("no log line about the UIDVALIDITY change")
	}
}
