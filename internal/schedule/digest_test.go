package schedule

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

func TestDigestSections(t *testing.T) {
	f := newFixture(t, testConfig, at("2026-12-24 23:30"))
	waiting := f.deliver("urbanisme@ville.example.fr", "permis", true)
	pieces := f.deliver("urbanisme@ville.example.fr", "certificat", true)
	f.clock.Set(at("2027-01-04 10:00"))
	cal := f.cfg.Tenants[0].Calendar()
	granted, _ := deadline.ParseDelai("15d")
	if _, err := f.store.RequestPieces(context.Background(), pieces, cal, deadline.NewDate(2027, 1, 4), granted, "agent@ville.example.fr"); err != nil {
		t.Fatal(err)
	}
	// The contact dossier was never acknowledged.
	open := f.deliver("contact@ville.example.fr", "question", false)

	// Tuesday 12 January, 08:00: the ARE of the first two dossiers is
	// overdue; the third, received on 4 January, is due on 18 January.
	if rep := f.tick("2027-01-12 08:00"); rep.Digests != 2 {
		t.Fatalf("digests = %+v, want 2 (urbanisme and accueil)", rep)
	}
	text := f.digestText("digest.ville.urbanisme.2027-01-12")
	for _, want := range []string{
		"ÉCHÉANCES DÉPASSÉES (2)",
		waiting + " : accusé de réception dû le lundi 11 janvier 2027",
		"PIÈCES DEMANDÉES, EN ATTENTE (1)",
		pieces + " : délai accordé jusqu'au mardi 19 janvier 2027",
		"DÉCISIONS IMPLICITES DANS LES 30 PROCHAINS JOURS (0)",
	} {
		if strings.HasSuffix(want, "(0)") {
			if strings.Contains(text, "DÉCISIONS IMPLICITES") {
				t.Errorf("digest lists decisions although none is within 30 days:\n%s", text)
			}
			continue
		}
		if !strings.Contains(text, want) {
			t.Errorf("urbanisme digest lacks %q:\n%s", want, text)
		}
	}
	text = f.digestText("digest.ville.accueil.2027-01-12")
	for _, want := range []string{
		"ACCUSÉS DE RÉCEPTION À ENVOYER (1)",
		open + " : au plus tard le lundi 18 janvier 2027",
		open + " : accusé d'enregistrement dû le mardi 5 janvier 2027",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("accueil digest lacks %q:\n%s", want, text)
		}
	}

	// Saturday: no digest unless every_day is set.
	if rep := f.tick("2027-01-16 09:00"); rep.Digests != 0 {
		t.Errorf("Saturday: %+v, want no digest", rep)
	}
	f.cfg.Tenants[0].Digest.EveryDay = true
	if rep := f.tick("2027-01-16 09:00"); rep.Digests != 2 {
		t.Errorf("Saturday with every_day: %+v, want 2 digests", rep)
	}

	// Three weeks before the acceptance of 24 February, it is listed.
	text = ""
	if rep := f.tick("2027-02-03 08:00"); rep.Digests == 0 {
		t.Fatalf("3 February: no digest")
	}
	text = f.digestText("digest.ville.urbanisme.2027-02-03")
	if !strings.Contains(text, waiting+" : à l'expiration du mercredi 24 février 2027") {
		t.Errorf("decision missing from digest:\n%s", text)
	}
}

// digestText returns the decoded text part of a queued digest.
func (f *fixture) digestText(id string) string {
	f.t.Helper()
	due, err := f.store.DueMails(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range due {
		if m.ID == id {
			return textPart(f.t, m.Raw)
		}
	}
	f.t.Fatalf("digest %s not queued", id)
	return ""
}

// textPart parses raw with the project's parser and returns its text.
func textPart(t *testing.T, raw []byte) string {
	t.Helper()
	return message.Parse(raw).Text
}

func TestDigestListsRegistered(t *testing.T) {
	f := newFixture(t, testConfig, at("2026-12-24 23:30"))
	waiting := f.deliver("urbanisme@ville.example.fr", "permis", true)
	registered := f.deliver("urbanisme@ville.example.fr", "certificat", true)
	_, _, err := f.store.Update(context.Background(), registered, nil, "", func(d *dossier.Dossier) (store.Change, error) {
		d.State = dossier.StateRegistered
		return store.Change{Events: []dossier.Event{{Kind: dossier.EventRegistered, Actor: "agent@ville.example.fr"}}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.tick("2027-02-03 08:00")
	text := f.digestText("digest.ville.urbanisme.2027-02-03")
	if !strings.Contains(text, waiting) || !strings.Contains(text, registered) {
		t.Errorf("digest lacks a dossier:\n%s", text)
	}
}
