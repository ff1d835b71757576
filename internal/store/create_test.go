package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

var start2026 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func TestCreateAssignsReferences(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)

	for i := 1; i <= 3; i++ {
		d := mustCreate(t, s, newItem("lyon", fmt.Sprintf("k%d", i), rawMessage(i)))
		want := fmt.Sprintf("LYO-2026-%06d", i)
		if d.Ref != want {
			t.Errorf("Ref = %q, want %q", d.Ref, want)
		}
		if d.Seq != uint64(i) || d.Year != 2026 {
			t.Errorf("Seq, Year = %d, %d, want %d, 2026", d.Seq, d.Year, i)
		}
		if !d.ReceivedAt.Equal(clock.Now()) || d.ReceivedAt.Location() != time.UTC {
			t.Errorf("ReceivedAt = %v, want %v in UTC", d.ReceivedAt, clock.Now())
		}
		if d.State != dossier.StateReceived {
			t.Errorf("State = %q, want %q", d.State, dossier.StateReceived)
		}
		if d.EventCount != 2 {
			t.Errorf("EventCount = %d, want 2 (received, mail_queued)", d.EventCount)
		}
		if d.RawSize != int64(len(rawMessage(i))) || len(d.RawSHA256) != 64 {
			t.Errorf("RawSize, RawSHA256 = %d, %q", d.RawSize, d.RawSHA256)
		}
		clock.Advance(time.Minute)
	}

	got, err := s.Get("LYO-2026-000002")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.Subject != "Demande d'acte de naissance" || got.Requester.Addr != "jeanne@example.org" {
		t.Errorf("Get returned %+v", got)
	}
	raw, err := s.Raw("LYO-2026-000002")
	if err != nil {
		t.Fatalf("Raw: %v", err)
	}
	if !bytes.Equal(raw, rawMessage(2)) {
		t.Errorf("Raw = %q, want %q", raw, rawMessage(2))
	}
}

func TestCreateReferenceOverflow(t *testing.T) {
	if got := formatRef("LYO", 2026, 1234567); got != "LYO-2026-1234567" {
		t.Errorf("formatRef = %q, want LYO-2026-1234567", got)
	}
}

func TestCreateCountersPerTenantAndYear(t *testing.T) {
	clock := newClock(time.Time{})
	s, _ := openTest(t, clock)

	// 2026-12-31T23:30Z is 00:30 on 1 January 2027 in Paris.
	tests := []struct {
		at       string
		tenant   string
		location *time.Location
		want     string
	}{
		{"2026-12-31T22:00:00Z", "lyon", paris, "LYO-2026-000001"},
		{"2026-12-31T22:59:59Z", "lyon", paris, "LYO-2026-000002"},
		{"2026-12-31T23:30:00Z", "lyon", paris, "LYO-2027-000001"},
		{"2026-12-31T23:30:00Z", "nice", paris, "NCE-2027-000001"},
		{"2026-12-31T23:40:00Z", "lyon", paris, "LYO-2027-000002"},
		{"2026-12-31T23:45:00Z", "utc", time.UTC, "TST-2026-000001"},
		{"2027-01-01T00:10:00Z", "utc", time.UTC, "TST-2027-000001"},
		{"2027-01-01T00:20:00Z", "nice", paris, "NCE-2027-000002"},
	}
	for i, tt := range tests {
		at, err := time.Parse(time.RFC3339, tt.at)
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(at)
		nd := newItem(tt.tenant, fmt.Sprintf("k%d", i), rawMessage(i))
		nd.Location = tt.location
		d := mustCreate(t, s, nd)
		if d.Ref != tt.want {
			t.Errorf("%s %s: Ref = %q, want %q", tt.at, tt.tenant, d.Ref, tt.want)
		}
	}
}

func TestCreateBuildErrorLeavesNoGap(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))

	errBuild := errors.New("template missing")
	var runs int
	nd := newItem("lyon", "k2", rawMessage(2))
	nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		runs++
		return nil, nil, errBuild
	}
	_, created, err := s.Create(context.Background(), nd)
	if !errors.Is(err, errBuild) {
		t.Fatalf("Create error = %v, want %v", err, errBuild)
	}
	if created {
		t.Error("created = true after a failed Build")
	}
	if !strings.Contains(err.Error(), `"lyon"`) {
		t.Errorf("error %q does not name the tenant", err)
	}
	if runs < 2 {
		t.Errorf("Build ran %d times, want at least 2 (batch, then alone)", runs)
	}

	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Dossiers != 1 || st.Pending != 1 {
		t.Errorf("Stats = %+v, want 1 dossier and 1 pending mail", st)
	}
	if _, err := s.Get("LYO-2026-000002"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(LYO-2026-000002) error = %v, want ErrNotFound", err)
	}
	if _, err := s.ByToken("tok-lyon-k2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByToken after failed Create: error = %v, want ErrNotFound", err)
	}

	// The dedup key and the number are still free.
	d := mustCreate(t, s, newItem("lyon", "k2", rawMessage(2)))
	if d.Ref != "LYO-2026-000002" {
		t.Errorf("Ref after failed Create = %q, want LYO-2026-000002", d.Ref)
	}
}

func TestCreateDedup(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	first := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))

	again, created, err := s.Create(context.Background(), newItem("lyon", "k1", rawMessage(1)))
	if err != nil {
		t.Fatalf("second Create: %v", err)
	}
	if created {
		t.Error("second Create: created = true, want false")
	}
	if again.Ref != first.Ref {
		t.Errorf("second Create: Ref = %q, want %q", again.Ref, first.Ref)
	}
	mails, err := s.Mails(first.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 {
		t.Errorf("mails of %s = %d, want 1", first.Ref, len(mails))
	}

	// Same Message-ID, different content: the intake gives another key.
	nd := newItem("lyon", "k1-other", []byte("other content"))
	nd.Dossier.MessageID = first.MessageID
	other := mustCreate(t, s, nd)
	if other.Ref != "LYO-2026-000002" {
		t.Errorf("Ref of different content = %q, want LYO-2026-000002", other.Ref)
	}

	// The same key in another tenant is another item.
	nice := mustCreate(t, s, newItem("nice", "k1", rawMessage(1)))
	if nice.Ref != "NCE-2026-000001" {
		t.Errorf("Ref in other tenant = %q, want NCE-2026-000001", nice.Ref)
	}

	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Dossiers != 3 || st.Pending != 3 {
		t.Errorf("Stats = %+v, want 3 dossiers and 3 pending mails", st)
	}
}

func TestCreateConcurrent(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	const workers, total = 50, 200

	var wg sync.WaitGroup
	refs := make(chan string, total)
	errs := make(chan error, total)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < total; i += workers {
				d, created, err := s.Create(context.Background(),
					newItem("lyon", fmt.Sprintf("k%d", i), rawMessage(i)))
				if err != nil {
					errs <- err
					continue
				}
				if !created {
					errs <- fmt.Errorf("item %d: created = false", i)
				}
				refs <- d.Ref
			}
		}(w)
	}
	wg.Wait()
	close(refs)
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	seen := make(map[string]bool)
	for ref := range refs {
		if seen[ref] {
			t.Errorf("reference %s given twice", ref)
		}
		seen[ref] = true
	}
	for i := 1; i <= total; i++ {
		if ref := fmt.Sprintf("LYO-2026-%06d", i); !seen[ref] {
			t.Errorf("reference %s missing", ref)
		}
	}

	due, err := s.DueMails(start2026, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != total {
		t.Errorf("DueMails = %d mails, want %d", len(due), total)
	}
	perDossier := make(map[string]int)
	for _, m := range due {
		perDossier[m.Dossier]++
	}
	for ref, n := range perDossier {
		if n != 1 {
			t.Errorf("dossier %s has %d mails, want 1", ref, n)
		}
	}
}

func TestCreateInvalid(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	tests := []struct {
		name   string
		change func(nd *NewDossier)
		want   string
	}{
		{"no tenant", func(nd *NewDossier) { nd.Dossier.Tenant = "" }, "tenant is empty"},
		{"no prefix", func(nd *NewDossier) { nd.Prefix = "" }, "prefix is empty"},
		{"no dedup key", func(nd *NewDossier) { nd.DedupKey = "" }, "dedup key is empty"},
		{"NUL in dedup key", func(nd *NewDossier) { nd.DedupKey = "a\x00b" }, "NUL"},
		{"no location", func(nd *NewDossier) { nd.Location = nil }, "time zone"},
		{"no build", func(nd *NewDossier) { nd.Build = nil }, "build function"},
		{"bad state", func(nd *NewDossier) { nd.Dossier.State = "ouvert" }, "unknown state"},
		{"mail without recipient", func(nd *NewDossier) {
			nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
				return nil, []OutboundMail{{Kind: "aee", Raw: []byte("x")}}, nil
			}
		}, "no recipient"},
		{"mail of another dossier", func(nd *NewDossier) {
			nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
				m := OutboundMail{Dossier: "X-1", Recipients: []string{"a@b"}, Raw: []byte("x")}
				return nil, []OutboundMail{m}, nil
			}
		}, "queued with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nd := newItem("lyon", "k1", rawMessage(1))
			tt.change(nd)
			_, _, err := s.Create(context.Background(), nd)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Create error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Dossiers != 0 {
		t.Errorf("%d dossiers stored by invalid calls", st.Dossiers)
	}
}

func TestCreateBuildPanics(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	nd := newItem("lyon", "k1", rawMessage(1))
	nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		var m map[string]int
		m["x"]++
		return nil, nil, nil
	}
	if _, _, err := s.Create(context.Background(), nd); err == nil {
		t.Fatal("Create with a panicking Build returned no error")
	}
	if d := mustCreate(t, s, newItem("lyon", "k2", rawMessage(2))); d.Ref != "LYO-2026-000001" {
		t.Errorf("Ref after a panicking Build = %q, want LYO-2026-000001", d.Ref)
	}
}

func TestCreateBuildRerunSeesSameInput(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	nd := newItem("lyon", "k1", rawMessage(1))
	var seen []string
	nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		seen = append(seen, d.Recipients[0])
		d.Recipients[0] = "changed@example.org"
		if len(seen) == 1 {
			return nil, nil, errors.New("first run fails")
		}
		return nil, nil, nil
	}
	// Batch runs the failed function again alone, where it succeeds.
	mustCreate(t, s, nd)
	if len(seen) != 2 {
		t.Errorf("Build ran %d times, want 2", len(seen))
	}
	for i, r := range seen {
		if r != "mairie@lyon.example" {
			t.Errorf("run %d of Build saw recipient %q", i, r)
		}
	}
}

func TestCreateCanceledContext(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := s.Create(ctx, newItem("lyon", "k1", rawMessage(1)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Create error = %v, want context.Canceled", err)
	}
}

func TestCreateSharedPrefix(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	mustCreate(t, s, newItem("a", "k1", rawMessage(1)))
	_, _, err := s.Create(context.Background(), newItem("b", "k1", rawMessage(1)))
	if !errors.Is(err, ErrRefExists) {
		t.Errorf("Create with a prefix used by another tenant: error = %v, want ErrRefExists", err)
	}
}

func TestCreateBuildCannotChangeIdentity(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	nd := newItem("lyon", "k1", rawMessage(1))
	nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		d.Ref = "OTHER-1"
		d.Tenant = "other"
		d.Seq = 99
		d.Nature = "etat-civil"
		return buildAEE(d)
	}
	d := mustCreate(t, s, nd)
	if d.Ref != "LYO-2026-000001" || d.Tenant != "lyon" || d.Seq != 1 {
		t.Errorf("identity changed by Build: %s %s %d", d.Ref, d.Tenant, d.Seq)
	}
	if d.Nature != "etat-civil" {
		t.Errorf("Nature = %q, want the value set by Build", d.Nature)
	}
}

func TestCreateLargeMessage(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	raw := bytes.Repeat([]byte("0123456789abcdef"), 25<<20/16)
	d := mustCreate(t, s, newItem("lyon", "big", raw))
	if d.RawSize != 25<<20 {
		t.Errorf("RawSize = %d, want %d", d.RawSize, 25<<20)
	}
	got, err := s.Raw(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, raw) {
		t.Errorf("Raw returned %d bytes, not the %d stored", len(got), len(raw))
	}
	list, err := s.List(ListFilter{Tenant: "lyon"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("List = %d dossiers, want 1", len(list))
	}
}

func FuzzCreateDedupKey(f *testing.F) {
	f.Add("lyon", "<abc@example.org>")
	f.Add("nice", "")
	f.Add("t\x00x", "k")
	f.Add("lyon", "\xff\xfe")
	s, _ := openTest(f, newClock(start2026))
	f.Fuzz(func(t *testing.T, tenant, key string) {
		nd := newItem(tenant, key, rawMessage(1))
		nd.Prefix = "F"
		nd.Dossier.Token = ""
		d, _, err := s.Create(context.Background(), nd)
		if err != nil {
			if validateNew(nd) == nil && !errors.Is(err, ErrRefExists) {
				t.Fatalf("Create(%q, %q): %v", tenant, key, err)
			}
			return
		}
		again, created, err := s.Create(context.Background(), nd)
		if err != nil || created || again.Ref != d.Ref {
			t.Fatalf("repeated Create(%q, %q) = %v, %v, %v, want %s", tenant, key,
				again, created, err, d.Ref)
		}
	})
}
