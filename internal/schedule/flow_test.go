package schedule

import (
	"slices"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/notify"
)

// TestSchedulerFlow follows three dossiers through their alerts, digests
// and implicit decisions, with restarts in between. They were received
// on Thursday 24 December 2026 at 23:30, so the AEE is due on Monday 28
// December and the ARE on Monday 11 January 2027. The first is under
// silence vaut accord after 2 months (born at the end of Wednesday 24
// February), the second under silence vaut rejet after 1 month (Sunday 24
// January), and the third is to qualify and its AEE never went out.
func TestSchedulerFlow(t *testing.T) {
	f := newFixture(t, testConfig, at("2026-12-24 23:30"))
	sva := f.deliver("urbanisme@ville.example.fr", "certificat", true)
	svr := f.deliver("etat-civil@ville.example.fr", "acte", true)
	open := f.deliver("contact@ville.example.fr", "question", false)

	if rep := f.tick("2026-12-28 07:00"); rep != (Report{}) {
		t.Errorf("Monday 07:00: %+v, want nothing", rep)
	}
	if rep := f.tick("2026-12-28 08:00"); rep != (Report{Digests: 3}) {
		t.Errorf("Monday 08:00: %+v, want 3 digests", rep)
	}
	if rep := f.tick("2026-12-28 09:00"); rep != (Report{}) {
		t.Errorf("Monday 09:00: %+v, want nothing more", rep)
	}
	wantDigests := []string{
		"digest.ville.accueil.2026-12-28", "digest.ville.etat-civil.2026-12-28", "digest.ville.urbanisme.2026-12-28",
	}
	if got := f.digests(); !slices.Equal(got, wantDigests) {
		t.Errorf("digests = %q, want %q", got, wantDigests)
	}

	// Tuesday: the AEE that never went out is overdue.
	if rep := f.tick("2026-12-29 08:30"); rep != (Report{Alerts: 1, Digests: 3}) {
		t.Errorf("Tuesday: %+v, want 1 alert and 3 digests", rep)
	}
	want := []string{"[" + open + "] Échéance dépassée : l'accusé d'enregistrement était dû le lundi 28 décembre 2026"}
	if got := f.alerts(open); !slices.Equal(got, want) {
		t.Errorf("alerts of %s = %q, want %q", open, got, want)
	}

	// A restart sends nothing twice.
	f.restart()
	if rep := f.tick("2026-12-29 09:00"); rep != (Report{}) {
		t.Errorf("after restart: %+v, want nothing", rep)
	}

	// sved is stopped from Wednesday 6 January to Friday 8: the alert
	// due on Thursday 7, 2 working days before the ARE due date, goes out
	// on Friday.
	if rep := f.tick("2027-01-06 12:00"); rep != (Report{Digests: 3}) {
		t.Errorf("6 January: %+v, want 3 digests", rep)
	}
	f.restart()
	if rep := f.tick("2027-01-08 10:00"); rep != (Report{Alerts: 3, Digests: 3}) {
		t.Errorf("8 January: %+v, want 3 alerts and 3 digests", rep)
	}
	areAlert := "Rappel : l'accusé de réception à envoyer au plus tard le lundi 11 janvier 2027"
	for _, ref := range []string{sva, svr, open} {
		if got := f.alerts(ref); len(got) == 0 || !strings.HasSuffix(got[len(got)-1], areAlert) {
			t.Errorf("alerts of %s = %q, want the ARE reminder last", ref, got)
		}
	}

	// Monday 11 January is 10 working days before the rejection of
	// Sunday 24 January.
	if rep := f.tick("2027-01-11 10:00"); rep != (Report{Alerts: 1, Digests: 3}) {
		t.Errorf("11 January: %+v, want 1 alert", rep)
	}
	if got := f.alerts(svr); !strings.HasSuffix(got[len(got)-1], "Décision implicite le dimanche 24 janvier 2027") {
		t.Errorf("alerts of %s = %q", svr, got)
	}
	// Tuesday 12: every ARE is overdue, once.
	if rep := f.tick("2027-01-12 10:00"); rep != (Report{Alerts: 3, Digests: 3}) {
		t.Errorf("12 January: %+v, want 3 overdue alerts", rep)
	}
	if rep := f.tick("2027-01-12 11:00"); rep != (Report{}) {
		t.Errorf("12 January again: %+v, want nothing", rep)
	}

	// Sunday 24 January ends: the rejection is born on Monday 25.
	if rep := f.tick("2027-01-25 00:10"); rep != (Report{Decisions: 1}) {
		t.Errorf("25 January: %+v, want 1 decision", rep)
	}
	d := f.get(svr)
	if d.State != dossier.StateImplicitRejection || d.DecidedAt.IsZero() {
		t.Errorf("%s: state %s, decided at %v", svr, d.State, d.DecidedAt)
	}
	f.checkNotice(svr, "ec@ville.example.fr", "Rejet implicite né le dimanche 24 janvier 2027",
		"jusqu'au jeudi 25 mars 2027")

	// The acceptance is born at the end of Wednesday 24 February.
	if rep := f.tick("2027-02-24 23:59"); rep.Decisions != 0 {
		t.Errorf("24 February 23:59: %+v, want no decision yet", rep)
	}
	if rep := f.tick("2027-02-25 00:00"); rep.Decisions != 1 {
		t.Errorf("25 February: %+v, want 1 decision", rep)
	}
	d = f.get(sva)
	if d.State != dossier.StateImplicitAccord {
		t.Errorf("%s: state %s", sva, d.State)
	}
	f.checkNotice(sva, "urba@ville.example.fr", "Accord implicite né le mercredi 24 février 2027",
		"elle lui est due sur simple demande")

	letter, err := f.r.AttestationLetter(f.cfg.Tenants[0], d, f.cfg.Tenants[0].Service("urbanisme"), at("2027-03-01 10:00"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"L232-3", "L231-1", sva, "mercredi 24 février 2027", "Certificat d",
		"2 mois", "Fait le lundi 1er mars 2027"} {
		if !strings.Contains(letter.Text, s) || !strings.Contains(letter.HTML, s) {
			t.Errorf("attestation lacks %q:\n%s", s, letter.Text)
		}
	}
	if _, err := f.r.AttestationLetter(f.cfg.Tenants[0], f.get(svr), nil, at("2027-03-01 10:00")); err == nil {
		t.Error("attestation of a rejected dossier: err = nil")
	}

	for _, ref := range []string{sva, svr, open} {
		events, err := f.store.Journal(ref)
		if err != nil {
			t.Fatal(err)
		}
		if err := dossier.VerifyChain(events); err != nil {
			t.Errorf("journal of %s: %v", ref, err)
		}
	}
}

func (f *fixture) get(ref string) *dossier.Dossier {
	f.t.Helper()
	d, err := f.store.Get(ref)
	if err != nil {
		f.t.Fatal(err)
	}
	return d
}

// checkNotice checks that ref has one implicit-decision notice, to to,
// with the subject ending in subject and a text containing text, and the
// journal event that records it.
func (f *fixture) checkNotice(ref, to, subject, text string) {
	f.t.Helper()
	mails, err := f.store.Mails(ref)
	if err != nil {
		f.t.Fatal(err)
	}
	var found int
	for _, m := range mails {
		if m.Kind != notify.KindImplicit {
			continue
		}
		found++
		raw, err := f.store.MailRaw(m.ID)
		if err != nil {
			f.t.Fatal(err)
		}
		if !slices.Equal(m.Recipients, []string{to}) || !strings.HasSuffix(subjectOf(f.t, f.store, m.ID), subject) ||
			!strings.Contains(string(raw), text) {
			f.t.Errorf("notice of %s to %v, subject %q; want %s, %q, text with %q", ref, m.Recipients,
				subjectOf(f.t, f.store, m.ID), to, subject, text)
		}
	}
	if found != 1 {
		f.t.Errorf("%s has %d implicit-decision notices, want 1", ref, found)
	}
	events, err := f.store.Journal(ref)
	if err != nil {
		f.t.Fatal(err)
	}
	var kinds []dossier.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	if !slices.Contains(kinds, dossier.EventImplicitDecision) || !slices.Contains(kinds, dossier.EventAlert) {
		f.t.Errorf("journal of %s = %v, want alert and implicit_decision events", ref, kinds)
	}
}
