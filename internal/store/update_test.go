package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

// implicitChange moves a dossier to the implicit acceptance and queues a
// notice to the service.
func implicitChange(d *dossier.Dossier) (Change, error) {
	if d.State != dossier.StateReceived {
		return Change{}, nil
	}
	d.State = dossier.StateImplicitAccord
	return Change{
		Events: []dossier.Event{{Kind: dossier.EventImplicitDecision, Actor: "scheduler"}},
		Mails: []OutboundMail{{
			Kind:       "implicit",
			Recipients: []string{"urbanisme@lyon.example"},
			MessageID:  "implicit." + d.Ref + "@lyon.example",
			Raw:        []byte("Subject: accord implicite\r\n\r\n.\r\n"),
		}},
	}, nil
}

func TestUpdateMovesStateAndIndexes(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	cal := testCalendar(t)
	ctx := context.Background()
	d := createDue(t, s, cal, "sva", dossier.RegimeAccord)

	got, changed, err := s.Update(ctx, d.Ref, cal, "", implicitChange)
	if err != nil || !changed {
		t.Fatalf("Update = %v, %v", changed, err)
	}
	if got.State != dossier.StateImplicitAccord || got.ImplicitDecision != date(t, "2027-02-24") {
		t.Errorf("after Update: state %s, decision %s", got.State, got.ImplicitDecision)
	}

	received, err := s.List(ListFilter{State: dossier.StateReceived})
	if err != nil {
		t.Fatal(err)
	}
	implicit, err := s.List(ListFilter{Tenant: "lyon", State: dossier.StateImplicitAccord})
	if err != nil {
		t.Fatal(err)
	}
	if len(received) != 0 || len(implicit) != 1 {
		t.Errorf("listing: %d received, %d implicit; want 0 and 1", len(received), len(implicit))
	}
	// The decision is born: it leaves the due index, the unsent AEE
	// and ARE stay.
	want := []string{
		"2026-12-28 aee " + d.Ref,
		"2027-01-11 are " + d.Ref,
	}
	if got := dueEntries(t, s); !slices.Equal(got, want) {
		t.Errorf("due index = %q, want %q", got, want)
	}
	events := checkChain(t, s, d.Ref)
	if events[len(events)-1].Kind != dossier.EventImplicitDecision {
		t.Errorf("journal = %v", journalKinds(events))
	}
	mails, err := s.Mails(d.Ref)
	if err != nil || len(mails) != 2 || mails[1].Kind != "implicit" {
		t.Errorf("mails = %+v, %v", mails, err)
	}

	// The same change again finds nothing to do and writes nothing.
	again, changed, err := s.Update(ctx, d.Ref, cal, "", implicitChange)
	if err != nil || changed || again.EventCount != got.EventCount {
		t.Errorf("second Update = %v, %v, events %d", changed, err, again.EventCount)
	}
}

func TestUpdateOnceSurvivesReopen(t *testing.T) {
	clock := newClock(christmasEve)
	s, path := openTest(t, clock)
	cal := testCalendar(t)
	ctx := context.Background()
	d := createDue(t, s, cal, "once", dossier.RegimeRejet)

	alert := func(d *dossier.Dossier) (Change, error) {
		return Change{Events: []dossier.Event{{Kind: dossier.EventAlert, Actor: "scheduler"}},
			Mails: []OutboundMail{{Kind: "alert", Recipients: []string{"svc@lyon.example"},
				MessageID: "a@lyon.example", Raw: []byte("Subject: x\r\n\r\n.\r\n")}}}, nil
	}
	name := "alert" + "\x01" + d.Ref
	if _, changed, err := s.Update(ctx, d.Ref, nil, name, alert); err != nil || !changed {
		t.Fatalf("first alert: %v, %v", changed, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, Options{Now: clock.Now, LockTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if done, err := s2.Done(name); err != nil || !done {
		t.Errorf("Done after reopen = %v, %v", done, err)
	}
	if _, changed, err := s2.Update(ctx, d.Ref, nil, name, alert); err != nil || changed {
		t.Errorf("second alert after reopen: changed %v, err %v", changed, err)
	}
	mails, err := s2.Mails(d.Ref)
	if err != nil || len(mails) != 2 {
		t.Errorf("mails = %d, %v; want the AEE and one alert", len(mails), err)
	}
}

func TestUpdateKeepsIdentity(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	cal := testCalendar(t)
	d := createDue(t, s, cal, "id", dossier.RegimeAccord)
	got, _, err := s.Update(context.Background(), d.Ref, cal, "", func(x *dossier.Dossier) (Change, error) {
		x.Ref, x.Token, x.ReceivedAt = "OTHER", "stolen", time.Time{}
		x.Subject = "changed"
		return Change{Events: []dossier.Event{{Kind: dossier.EventRequalified, Actor: "t"}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Ref != d.Ref || got.Token != d.Token || !got.ReceivedAt.Equal(d.ReceivedAt) || got.Subject != "changed" {
		t.Errorf("Update changed identity or lost the change: %+v", got)
	}
	if _, _, err := s.Update(context.Background(), d.Ref, cal, "", func(x *dossier.Dossier) (Change, error) {
		x.State = "perdu"
		return Change{Events: []dossier.Event{{Kind: dossier.EventRequalified}}}, nil
	}); err == nil {
		t.Error("Update to an unknown state: err = nil")
	}
}

func TestQueueOnce(t *testing.T) {
	clock := newClock(christmasEve)
	s, _ := openTest(t, clock)
	ctx := context.Background()
	mail := OutboundMail{ID: "digest.lyon.urbanisme.2026-12-24", Tenant: "lyon", Kind: "digest",
		Recipients: []string{"urbanisme@lyon.example"}, Raw: []byte("Subject: y\r\n\r\n.\r\n")}
	name := "digest" + "\x01lyon\x01urbanisme\x012026-12-24"
	for i, want := range []bool{true, false} {
		queued, err := s.QueueOnce(ctx, name, []OutboundMail{mail})
		if err != nil || queued != want {
			t.Fatalf("QueueOnce #%d = %v, %v; want %v", i+1, queued, err, want)
		}
	}
	due, err := s.DueMails(clock.Now(), 0)
	if err != nil || len(due) != 1 || due[0].ID != mail.ID || string(due[0].Raw) != string(mail.Raw) {
		t.Fatalf("DueMails = %+v, %v", due, err)
	}
	// A mail of no dossier is settled without a journal.
	if err := s.MarkSent(mail.ID, "250 ok"); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}
	if _, err := s.QueueOnce(ctx, "bad", []OutboundMail{{Tenant: "lyon"}}); err == nil {
		t.Error("QueueOnce of a mail without ID: err = nil")
	}
}

func TestSentAEELeavesDueIndex(t *testing.T) {
	clock := newClock(christmasEve)
	s, _ := openTest(t, clock)
	cal := testCalendar(t)
	d := createDue(t, s, cal, "aee", dossier.RegimeAccord)
	mails, err := s.Mails(d.Ref)
	if err != nil || len(mails) != 1 {
		t.Fatalf("mails = %v, %v", mails, err)
	}
	clock.Advance(time.Minute)
	if err := s.MarkSent(mails[0].ID, "250 ok"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AEESentAt.Equal(christmasEve.Add(time.Minute)) || got.AEEDue.IsZero() {
		t.Errorf("AEESentAt = %v, AEEDue = %s", got.AEESentAt, got.AEEDue)
	}
	want := []string{"2027-01-11 are " + d.Ref, "2027-02-24 decision " + d.Ref}
	if got := dueEntries(t, s); !slices.Equal(got, want) {
		t.Errorf("due index = %q, want %q", got, want)
	}
	// Recomputing after pieces keeps the AEE settled.
	if _, err := s.RequestPieces(context.Background(), d.Ref, cal, date(t, "2027-01-04"), delai(t, "30d"), "agent"); err != nil {
		t.Fatal(err)
	}
	want = []string{"2027-01-11 are " + d.Ref}
	if got := dueEntries(t, s); !slices.Equal(got, want) {
		t.Errorf("due index after pieces = %q, want %q", got, want)
	}
}
