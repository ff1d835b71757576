package notify

import (
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

// deadlineTenant is sampleTenant with a calendar and a nature of each
// regime.
func deadlineTenant(t *testing.T) *config.Tenant {
	t.Helper()
	yaml := `
hostname: mx.test.invalid
collectivites:
  - id: exemple
    name: Commune d'Exemple
    prefix: MAIRIE
    from: "Mairie de Saint-Exemple <contact@mairie-exemple.fr>"
    reply: {domain: reponse.mairie-exemple.fr}
    intake: [{address: contact@mairie-exemple.fr}]
    services: [{id: etat-civil, name: "Service de l'état civil", mailbox: etat-civil@mairie-exemple.fr}]
    natures:
      - {id: cu, label: Certificat d'urbanisme, service: etat-civil, regime: accord, delai: 2m}
      - {id: acte, label: Copie d'acte, service: etat-civil, regime: rejet, delai: 1m}
`
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Tenants[0]
}

// regimeDossier is sampleDossier received on Thursday 24 December 2026
// at 23:30 in Paris under the nature nature, with its due dates.
func regimeDossier(t *testing.T, tn *config.Tenant, nature string) *dossier.Dossier {
	t.Helper()
	d := sampleDossier()
	paris := tn.Location
	d.ReceivedAt = time.Date(2026, 12, 24, 23, 30, 0, 0, paris)
	n := tn.Nature(nature)
	d.Nature, d.Regime, d.Delai = n.ID, dossier.Regime(n.Regime), n.ParsedDelai()
	d.State = dossier.StateReceived
	d.RecomputeDue(tn.Calendar())
	return d
}

func TestAlertLetters(t *testing.T) {
	r := newRenderer(t, "")
	tn := deadlineTenant(t)
	svc := tn.Service("etat-civil")
	d := regimeDossier(t, tn, "cu")
	day := func(s string) deadline.Date {
		v, err := deadline.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		kind    dossier.DueKind
		due     deadline.Date
		today   string
		subject string
		text    []string
	}{
		{dossier.DueARE, d.AREDue, "2027-01-07",
			"[MAIRIE-2026-000042] Rappel : l'accusé de réception à envoyer au plus tard le lundi 11 janvier 2027",
			[]string{"encore 2 jours ouvrés", "Certificat d'urbanisme (silence vaut accord, délai de 2 mois)",
				"Décision implicite d'acceptation à l'expiration du mercredi 24 février 2027",
				"les délais de recours ne sont pas opposables"}},
		{dossier.DueARE, d.AREDue, "2027-01-11",
			"[MAIRIE-2026-000042] Rappel : l'accusé de réception à envoyer au plus tard le lundi 11 janvier 2027",
			[]string{"(aujourd'hui)"}},
		{dossier.DueAEE, d.AEEDue, "2026-12-29",
			"[MAIRIE-2026-000042] Échéance dépassée : l'accusé d'enregistrement était dû le lundi 28 décembre 2026",
			[]string{"devait être\nenvoyé au plus tard le lundi 28 décembre 2026", "vérifiez\nson adresse"}},
		{dossier.DueDecision, d.ImplicitDecision, "2027-02-10",
			"[MAIRIE-2026-000042] Décision implicite le mercredi 24 février 2027",
			[]string{"naîtra à l'expiration du mercredi 24 février 2027\n(dans 10 jours ouvrés)",
				"demandez-lui les pièces manquantes"}},
	}
	for _, tt := range tests {
		m, err := r.Alert(tn, d, svc, tt.kind, tt.due, day(tt.today), now)
		if err != nil {
			t.Fatalf("Alert(%s, %s): %v", tt.kind, tt.today, err)
		}
		got := readLetter(t, m.Raw)
		subject, _ := got.header.Subject()
		if subject != tt.subject {
			t.Errorf("%s on %s: subject %q, want %q", tt.kind, tt.today, subject, tt.subject)
		}
		for _, s := range tt.text {
			if !strings.Contains(got.text, s) {
				t.Errorf("%s on %s: text lacks %q:\n%s", tt.kind, tt.today, s, got.text)
			}
		}
		from, _ := got.header.AddressList("From")
		if len(from) != 1 || from[0].Address != replyAddress || m.Kind != KindAlert ||
			m.Recipients[0] != "etat-civil@mairie-exemple.fr" {
			t.Errorf("%s: from %v, kind %s, to %v", tt.kind, from, m.Kind, m.Recipients)
		}
		checkNoSved(t, "alert", got)
	}
	if _, err := r.Alert(tn, d, svc, dossier.DueDecision, d.ImplicitDecision, day("2027-02-25"), now); err == nil {
		t.Error("alert of a decision already born: err = nil")
	}
	if _, err := r.Alert(tn, d, svc, "pieces", d.AREDue, day("2027-01-07"), now); err == nil {
		t.Error("alert of an unknown kind: err = nil")
	}
}

func TestImplicitNotice(t *testing.T) {
	r := newRenderer(t, "")
	tn := deadlineTenant(t)
	svc := tn.Service("etat-civil")
	for _, tt := range []struct {
		nature, subject string
		text            []string
	}{
		{"cu", "[MAIRIE-2026-000042] Accord implicite né le mercredi 24 février 2027",
			[]string{"réputée acceptée depuis l'expiration du\nmercredi 24 février 2027 (silence vaut accord)", "L232-3"}},
		{"acte", "[MAIRIE-2026-000042] Rejet implicite né le dimanche 24 janvier 2027",
			[]string{"réputée rejetée", "jusqu'au jeudi 25 mars 2027", "L232-4"}},
	} {
		d := regimeDossier(t, tn, tt.nature)
		m, err := r.Implicit(tn, d, svc, now)
		if err != nil {
			t.Fatal(err)
		}
		got := readLetter(t, m.Raw)
		if subject, _ := got.header.Subject(); subject != tt.subject {
			t.Errorf("%s: subject %q, want %q", tt.nature, subject, tt.subject)
		}
		for _, s := range tt.text {
			if !strings.Contains(got.text, s) || !strings.Contains(visibleText(got.html), strings.ReplaceAll(s, "\n", " ")) {
				t.Errorf("%s: letter lacks %q:\n%s\n%s", tt.nature, s, got.text, got.html)
			}
		}
		checkNoSved(t, "implicit", got)
	}
	d := sampleDossier()
	if _, err := r.Implicit(tn, d, svc, now); err == nil {
		t.Error("notice for a dossier without regime: err = nil")
	}
}

func TestAttestation(t *testing.T) {
	r := newRenderer(t, "")
	tn := deadlineTenant(t)
	d := regimeDossier(t, tn, "cu")
	if _, err := r.Attestation(tn, d, tn.Service("etat-civil"), now); err == nil {
		t.Error("attestation before the acceptance: err = nil")
	}
	d.State = dossier.StateImplicitAccord
	m, err := r.Attestation(tn, d, tn.Service("etat-civil"), now)
	if err != nil {
		t.Fatal(err)
	}
	got := readLetter(t, m.Raw)
	to, _ := got.header.AddressList("To")
	if len(to) != 1 || to[0].Address != "zoe@example.org" || m.Kind != KindAttestation {
		t.Errorf("attestation to %v, kind %s", to, m.Kind)
	}
	for _, s := range []string{"L232-3", "L231-1", "Zoé Lefèvre <zoe@example.org>", "jeudi 24 décembre 2026 à 23 h 30",
		"Certificat d'urbanisme", "née à l'expiration du mercredi 24 février 2027", "Fait le vendredi 4 décembre 2026.",
		"Service de l'état civil"} {
		if !strings.Contains(got.text, s) {
			t.Errorf("attestation lacks %q:\n%s", s, got.text)
		}
	}
	checkNoSved(t, "attestation", got)
}

func TestDigest(t *testing.T) {
	r := newRenderer(t, "")
	tn := deadlineTenant(t)
	d := regimeDossier(t, tn, "cu")
	data := &DigestData{Date: "lundi 11 janvier 2027", DecisionDays: 30,
		Overdue:     []DigestLine{NewDigestLine(tn, d, d.AEEDue, "accusé d'enregistrement")},
		AwaitingARE: []DigestLine{NewDigestLine(tn, d, d.AREDue, "")},
		Decisions:   []DigestLine{NewDigestLine(tn, d, d.ImplicitDecision, "")},
	}
	m, err := r.Digest(tn, tn.Service("etat-civil"), data, "digest.exemple.etat-civil.2027-01-11", now)
	if err != nil {
		t.Fatal(err)
	}
	got := readLetter(t, m.Raw)
	subject, _ := got.header.Subject()
	if subject != "Dossiers en cours – Service de l'état civil – lundi 11 janvier 2027 – 1 échéance dépassée" {
		t.Errorf("subject %q", subject)
	}
	for _, s := range []string{
		"ÉCHÉANCES DÉPASSÉES (1)\n  - MAIRIE-2026-000042 : accusé d'enregistrement dû le lundi 28 décembre 2026",
		"ACCUSÉS DE RÉCEPTION À ENVOYER (1)\n  - MAIRIE-2026-000042 : au plus tard le lundi 11 janvier 2027",
		"Demande d'acte de naissance – Zoé Lefèvre <zoe@example.org>, reçu le jeudi 24 décembre 2026",
		"DÉCISIONS IMPLICITES DANS LES 30 PROCHAINS JOURS (1)",
	} {
		if !strings.Contains(got.text, s) {
			t.Errorf("digest lacks %q:\n%s", s, got.text)
		}
	}
	if strings.Contains(got.text, "PIÈCES") || !strings.Contains(got.html, "<h2") {
		t.Errorf("digest sections:\n%s\n%s", got.text, got.html)
	}
	if m.ID != "digest.exemple.etat-civil.2027-01-11" || m.Dossier != "" || m.Recipients[0] != "etat-civil@mairie-exemple.fr" {
		t.Errorf("digest mail = %+v", m)
	}
	checkNoSved(t, "digest", got)
}

// checkNoSved fails when the tool's name shows in a letter.
func checkNoSved(t *testing.T, kind string, got readMail) {
	t.Helper()
	subject, _ := got.header.Subject()
	for where, s := range map[string]string{"subject": subject, "text": got.text, "HTML": got.html} {
		if strings.Contains(strings.ToLower(s), "sved") {
			t.Errorf("%s: %s contains \"sved\"", kind, where)
		}
	}
}
