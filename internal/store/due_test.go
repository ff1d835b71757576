package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

func testCalendar(t *testing.T) *deadline.Calendar {
	t.Helper()
	cal, err := deadline.New(deadline.Options{Location: paris})
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func date(t *testing.T, s string) deadline.Date {
	t.Helper()
	d, err := deadline.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func delai(t *testing.T, s string) deadline.Delai {
	t.Helper()
	dl, err := deadline.ParseDelai(s)
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

// christmasEve is the receipt instant of the first worked example:
// Thursday 24 December 2026 at 23:30 in Paris.
var christmasEve = time.Date(2026, 12, 24, 23, 30, 0, 0, paris)

// createDue stores a dossier received at christmasEve under regime with
// a délai of 2 months.
func createDue(t *testing.T, s *Store, cal *deadline.Calendar, key string, regime dossier.Regime) *dossier.Dossier {
	t.Helper()
	nd := newItem("lyon", key, rawMessage(len(key)))
	nd.Calendar = cal
	nd.Dossier.Regime = regime
	nd.Dossier.Nature = "demande"
	nd.Dossier.Delai = delai(t, "2m")
	return mustCreate(t, s, nd)
}

// dueEntries lists the due index as "DATE KIND REF" strings.
func dueEntries(t *testing.T, s *Store) []string {
	t.Helper()
	items, err := s.DueBefore(date(t, "9999-12-31"))
	if err != nil {
		t.Fatalf("DueBefore: %v", err)
	}
	var out []string
	for _, it := range items {
		out = append(out, it.Date.String()+" "+string(it.Kind)+" "+it.Dossier.Ref)
	}
	return out
}

func checkChain(t *testing.T, s *Store, ref string) []dossier.Event {
	t.Helper()
	events, err := s.Journal(ref)
	if err != nil {
		t.Fatalf("Journal(%s): %v", ref, err)
	}
	if err := dossier.VerifyChain(events); err != nil {
		t.Errorf("journal of %s: %v", ref, err)
	}
	return events
}

func TestCreateSetsDueDates(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	cal := testCalendar(t)

	var seen dossier.Due
	nd := newItem("lyon", "a", rawMessage(1))
	nd.Calendar = cal
	nd.Location = nil
	nd.Dossier.Regime = dossier.RegimeAccord
	nd.Dossier.Delai = delai(t, "2m")
	nd.Build = func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		seen = d.Due()
		return buildAEE(d)
	}
	d := mustCreate(t, s, nd)

	if got := d.AEEDue.String(); got != "2026-12-28" {
		t.Errorf("AEEDue = %s, want 2026-12-28", got)
	}
	if got := d.AREDue.String(); got != "2027-01-11" {
		t.Errorf("AREDue = %s, want 2027-01-11", got)
	}
	if got := d.ImplicitDecision.String(); got != "2027-02-24" {
		t.Errorf("ImplicitDecision = %s, want 2027-02-24", got)
	}
	if seen != d.Due() {
		t.Errorf("Build saw %+v, want %+v", seen, d.Due())
	}
	stored, err := s.Get(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Due() != d.Due() || stored.Delai != d.Delai || stored.Regime != d.Regime {
		t.Errorf("stored dossier = %+v, want the dates and délai of %+v", stored, d)
	}
}

func TestDueIndex(t *testing.T) {
	clock := newClock(christmasEve)
	s, _ := openTest(t, clock)
	cal := testCalendar(t)

	accord := createDue(t, s, cal, "accord", dossier.RegimeAccord)
	clock.Set(time.Date(2027, 1, 31, 14, 0, 0, 0, paris))
	aucun := createDue(t, s, cal, "aucun", dossier.RegimeAucun)

	auto := newItem("lyon", "auto", rawMessage(9))
	auto.Calendar = cal
	auto.Dossier.State = dossier.StateAutomatic
	auto.Dossier.Reason = "auto-reply: test"
	autoD := mustCreate(t, s, auto)
	if autoD.Due() != (dossier.Due{}) {
		t.Errorf("automatic dossier has due dates %+v", autoD.Due())
	}

	want := []string{
		"2026-12-28 aee " + accord.Ref,
		"2027-01-11 are " + accord.Ref,
		"2027-02-01 aee " + aucun.Ref,
		"2027-02-12 are " + aucun.Ref,
		"2027-02-24 decision " + accord.Ref,
	}
	if got := dueEntries(t, s); !slices.Equal(got, want) {
		t.Errorf("due index =\n%q\nwant\n%q", got, want)
	}

	items, err := s.DueBefore(date(t, "2027-02-12"), dossier.DueARE, dossier.DueDecision)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Kind != dossier.DueARE || items[0].Dossier.Ref != accord.Ref {
		t.Errorf("DueBefore(2027-02-12, are, decision) = %+v, want the ARE of %s only", items, accord.Ref)
	}
	if _, err := s.DueBefore(date(t, "2027-02-12"), "ars"); err == nil {
		t.Error("DueBefore with an unknown kind: err = nil")
	}
	if _, err := s.DueBefore(deadline.Date{}); err == nil {
		t.Error("DueBefore with the zero date: err = nil")
	}
}

// TestPiecesUnderAccord follows the incomplete-request example: received
// on 24 December 2026, pieces asked for on 4 January and received on 20
// January 2027, so silence vaut accord is born at the end of Saturday 20
// March 2027.
func TestPiecesUnderAccord(t *testing.T) {
	clock := newClock(christmasEve)
	s, _ := openTest(t, clock)
	cal := testCalendar(t)
	ctx := context.Background()
	d := createDue(t, s, cal, "accord", dossier.RegimeAccord)

	clock.Set(time.Date(2027, 1, 4, 10, 0, 0, 0, paris))
	got, err := s.RequestPieces(ctx, d.Ref, cal, date(t, "2027-01-04"), delai(t, "1m"), "agent@lyon.example")
	if err != nil {
		t.Fatalf("RequestPieces: %v", err)
	}
	if !got.ImplicitDecision.IsZero() {
		t.Errorf("decision while pieces are missing = %s, want none", got.ImplicitDecision)
	}
	wantPending := []string{
		"2026-12-28 aee " + d.Ref,
		"2027-01-11 are " + d.Ref,
	}
	if entries := dueEntries(t, s); !slices.Equal(entries, wantPending) {
		t.Errorf("due index while pending =\n%q\nwant\n%q", entries, wantPending)
	}

	if _, err := s.RequestPieces(ctx, d.Ref, cal, date(t, "2027-01-05"), delai(t, "1m"), "agent@lyon.example"); !errors.Is(err, dossier.ErrPiecesPending) {
		t.Errorf("second RequestPieces: err = %v, want ErrPiecesPending", err)
	}

	got, err = s.ReceivePieces(ctx, d.Ref, cal, date(t, "2027-01-20"), "jeanne@example.org")
	if err != nil {
		t.Fatalf("ReceivePieces: %v", err)
	}
	if got.ImplicitDecision.String() != "2027-03-20" {
		t.Errorf("decision after pieces = %s, want 2027-03-20", got.ImplicitDecision)
	}
	wantDone := append(wantPending, "2027-03-20 decision "+d.Ref)
	if entries := dueEntries(t, s); !slices.Equal(entries, wantDone) {
		t.Errorf("due index after pieces =\n%q\nwant\n%q", entries, wantDone)
	}

	events := checkChain(t, s, d.Ref)
	kinds := journalKinds(events)
	wantKinds := []dossier.EventKind{dossier.EventReceived, dossier.EventMailQueued,
		dossier.EventPiecesRequested, dossier.EventPiecesReceived}
	if !slices.Equal(kinds, wantKinds) {
		t.Fatalf("journal = %v, want %v", kinds, wantKinds)
	}
	if a := events[2].Actor; a != "agent@lyon.example" {
		t.Errorf("request actor = %q", a)
	}
	if f := events[2].Fields; f["granted"] != "1m" || f["implicit_decision"] != "" {
		t.Errorf("request fields = %v", f)
	}
	if f := events[3].Fields; f["received"] != "2027-01-20" || f["implicit_decision"] != "2027-03-20" {
		t.Errorf("receipt fields = %v", f)
	}
}

// TestPiecesUnderRejet suspends a silence vaut rejet délai of 2 months
// from 4 to 20 January 2027: the rejection moves from 24 February to 12
// March 2027, after the 27 March a missing piece would give.
func TestPiecesUnderRejet(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	cal := testCalendar(t)
	ctx := context.Background()
	d := createDue(t, s, cal, "rejet", dossier.RegimeRejet)
	if d.ImplicitDecision.String() != "2027-02-24" {
		t.Fatalf("decision at creation = %s, want 2027-02-24", d.ImplicitDecision)
	}

	got, err := s.RequestPieces(ctx, d.Ref, cal, date(t, "2027-01-04"), delai(t, "1m"), "agent@lyon.example")
	if err != nil {
		t.Fatal(err)
	}
	if got.ImplicitDecision.String() != "2027-03-27" {
		t.Errorf("decision while pending = %s, want 2027-03-27", got.ImplicitDecision)
	}
	got, err = s.ReceivePieces(ctx, d.Ref, cal, date(t, "2027-01-20"), "agent@lyon.example")
	if err != nil {
		t.Fatal(err)
	}
	if got.ImplicitDecision.String() != "2027-03-12" {
		t.Errorf("decision after pieces = %s, want 2027-03-12", got.ImplicitDecision)
	}
	want := []string{
		"2026-12-28 aee " + d.Ref,
		"2027-01-11 are " + d.Ref,
		"2027-03-12 decision " + d.Ref,
	}
	if entries := dueEntries(t, s); !slices.Equal(entries, want) {
		t.Errorf("due index =\n%q\nwant\n%q", entries, want)
	}
	checkChain(t, s, d.Ref)
}

func TestRequalify(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	cal := testCalendar(t)
	ctx := context.Background()
	d := createDue(t, s, cal, "unq", dossier.RegimeUnqualified)
	if !d.ImplicitDecision.IsZero() {
		t.Fatalf("decision of a dossier to be qualified = %s", d.ImplicitDecision)
	}

	q := Qualification{Nature: "cada", Regime: dossier.RegimeRejet, Delai: delai(t, "1m"), Service: "archives"}
	got, err := s.Requalify(ctx, d.Ref, cal, q, "agent@lyon.example")
	if err != nil {
		t.Fatalf("Requalify: %v", err)
	}
	if got.Nature != "cada" || got.Service != "archives" || got.ImplicitDecision.String() != "2027-01-24" {
		t.Errorf("requalified = nature %q service %q decision %s, want cada archives 2027-01-24",
			got.Nature, got.Service, got.ImplicitDecision)
	}

	q = Qualification{Nature: "info", Regime: dossier.RegimeAucun}
	if _, err := s.Requalify(ctx, d.Ref, cal, q, "agent@lyon.example"); err != nil {
		t.Fatalf("Requalify to aucun: %v", err)
	}
	want := []string{"2026-12-28 aee " + d.Ref, "2027-01-11 are " + d.Ref}
	if entries := dueEntries(t, s); !slices.Equal(entries, want) {
		t.Errorf("due index after aucun =\n%q\nwant\n%q", entries, want)
	}

	bad := Qualification{Nature: "x", Regime: dossier.RegimeAccord}
	if _, err := s.Requalify(ctx, d.Ref, cal, bad, "agent@lyon.example"); err == nil {
		t.Error("Requalify to accord without délai: err = nil")
	}
	events := checkChain(t, s, d.Ref)
	if n := len(events); n != 4 || events[3].Kind != dossier.EventRequalified {
		t.Errorf("journal = %v, want 2 requalified events after 2", journalKinds(events))
	}
	if f := events[2].Fields; f["service"] != "archives" || f["former_nature"] != "demande" {
		t.Errorf("requalified fields = %v", f)
	}
}

func TestUpdateDueRejects(t *testing.T) {
	s, _ := openTest(t, newClock(christmasEve))
	cal := testCalendar(t)
	ctx := context.Background()

	auto := newItem("lyon", "auto", rawMessage(3))
	auto.Dossier.State = dossier.StateAutomatic
	autoD := mustCreate(t, s, auto)
	if _, err := s.ReceivePieces(ctx, autoD.Ref, cal, date(t, "2027-01-20"), "x"); !errors.Is(err, ErrNoDeadlines) {
		t.Errorf("update of an automatic dossier: err = %v, want ErrNoDeadlines", err)
	}
	if _, err := s.ReceivePieces(ctx, "LYO-2026-999999", cal, date(t, "2027-01-20"), "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("update of a missing dossier: err = %v, want ErrNotFound", err)
	}

	d := createDue(t, s, cal, "accord", dossier.RegimeAccord)
	_, err := s.UpdateDue(ctx, d.Ref, cal, func(d *dossier.Dossier) ([]dossier.Event, error) {
		d.Ref = "OTHER"
		d.Regime = "peut-etre"
		return nil, nil
	})
	if err == nil {
		t.Error("UpdateDue to an unknown regime: err = nil")
	}
	stored, err := s.Get(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Regime != dossier.RegimeAccord || stored.EventCount != d.EventCount {
		t.Errorf("failed update changed the dossier: %+v", stored)
	}
}
