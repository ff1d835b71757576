package imap

import (
	"slices"
	"strings"
	"testing"
)

func TestPollerStoresMessagesWithMails(t *testing.T) {
	f := newFixture(t, fixtureOptions{})
	f.srv.Save(t, "INBOX", request(1))
	p, _ := f.start(t, nil)
	refs := f.waitDossiers(t, 1)

	// A message arriving while the poller idles.
	f.srv.Save(t, "INBOX", request(2))
	refs = f.waitDossiers(t, 2)

	for _, ref := range refs {
		kinds := f.mailKinds(t, ref)
		slices.Sort(kinds)
		if !slices.Equal(kinds, []string{"aee", "forward"}) {
			t.Errorf("%s: queued mails %v, want an AEE and a forward", ref, kinds)
		}
		d, err := f.store.Get(ref)
		if err != nil {
			t.Fatal(err)
		}
		if d.Channel != "imap" {
			t.Errorf("%s: channel %q, want imap", ref, d.Channel)
		}
		if !slices.Equal(d.Recipients, []string{"contact@ville.example.fr"}) {
			t.Errorf("%s: recipients %v, want the mailbox's intake address", ref, d.Recipients)
		}
	}
	// The poller counts a message just after its commit.
	waitFor(t, "2 stored in the stats", func() bool { return p.Stats().Stored == 2 }, f)
	if s := p.Stats(); s.Duplicates != 0 {
		t.Errorf("stats = %+v, want no duplicate", s)
	}

	// With after: none the folder is left as it was: nothing seen,
	// nothing deleted.
	flags := f.srv.Flags(t, "INBOX")
	if len(flags) != 2 {
		t.Fatalf("folder holds %d messages, want 2", len(flags))
	}
	for uid, fl := range flags {
		if strings.Contains(fl, `\Seen`) || strings.Contains(fl, `\Deleted`) {
			t.Errorf("UID %d has flags %q, want it untouched", uid, fl)
		}
	}
}

func TestPollerPostFetchActions(t *testing.T) {
	tests := []struct {
		after string
		check func(t *testing.T, f *fixture)
	}{
		{"seen", func(t *testing.T, f *fixture) {
			for uid, fl := range f.srv.Flags(t, "INBOX") {
				if !strings.Contains(fl, `\Seen`) {
					t.Errorf("UID %d flags %q, want \\Seen", uid, fl)
				}
			}
		}},
		{"delete", func(t *testing.T, f *fixture) {
			if n := len(f.srv.Flags(t, "INBOX")); n != 0 {
				t.Errorf("INBOX holds %d messages, want 0", n)
			}
		}},
		{"move:Traites", func(t *testing.T, f *fixture) {
			if n := len(f.srv.Flags(t, "INBOX")); n != 0 {
				t.Errorf("INBOX holds %d messages, want 0", n)
			}
			if n := len(f.srv.Flags(t, "Traites")); n != 2 {
				t.Errorf("Traites holds %d messages, want 2", n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.after, func(t *testing.T) {
			f := newFixture(t, fixtureOptions{after: tc.after})
			f.srv.Save(t, "INBOX", request(1))
			f.srv.Save(t, "INBOX", request(2))
			_, stop := f.start(t, nil)
			f.waitDossiers(t, 2)
			waitFor(t, "the post-fetch action", func() bool {
				c, err := f.store.Cursor(f.cursorKey())
				return err == nil && c.ActionUID >= 2
			}, f)
			stop()
			tc.check(t, f)
		})
	}
}

func TestPollerIgnoresHighestUIDQuirk(t *testing.T) {
	// "UID 3:*" returns the message of UID 2 when 2 is the highest: the
	// poller must not store it again at every sync.
	f := newFixture(t, fixtureOptions{})
	f.srv.Save(t, "INBOX", request(1))
	f.srv.Save(t, "INBOX", request(2))
	p, _ := f.start(t, nil)
	f.waitDossiers(t, 2)
	f.srv.Save(t, "INBOX", request(3))
	f.waitDossiers(t, 3)
	if s := p.Stats(); s.Duplicates != 0 {
		t.Errorf("stats = %+v, want no duplicate delivery", s)
	}
}
