package imap

import (
	"strings"
	"testing"
)

// TestGroupBadMailboxDoesNotStopOthers runs a mailbox whose password is
// wrong beside a good one: the good one keeps storing mail.
func TestGroupBadMailboxDoesNotStopOthers(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	bad := *f.mailbox
	bad.Name = "ancienne"
	bad.Password = "pas-le-bon"
	f.cfg.Tenants[0].Mailboxes = append(f.cfg.Tenants[0].Mailboxes, &bad)

	g := Start(f.cfg, f.deliver, f.store, f.logger())
	defer g.Stop()
	if g.Len() != 2 {
		t.Fatalf("Len = %d, want 2", g.Len())
	}
	f.srv.Save(t, "INBOX", request(1))
	f.waitDossiers(t, 1)
	waitFor(t, "the failed login", func() bool {
		return strings.Contains(f.logs.String(), "mailbox=ancienne")
	}, f)
	f.srv.Save(t, "INBOX", request(2))
	f.waitDossiers(t, 2)
	if strings.Contains(f.logs.String(), "pas-le-bon") {
		t.Error("log contains the password")
	}
}

func TestGroupLeavesOutUnreadableCA(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.mailbox.CAFile = "/nonexistent/ca.pem"
	g := Start(f.cfg, f.deliver, f.store, f.logger())
	defer g.Stop()
	if g.Len() != 0 {
		t.Errorf("Len = %d, want 0", g.Len())
	}
	if !strings.Contains(f.logs.String(), "imap mailbox not polled") {
		t.Errorf("no log line for the mailbox left out:\n%s", f.logs)
	}
}
