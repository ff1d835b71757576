package notify

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
)

// letterTenant has one nature per regime and a service with its
// contact details.
func letterTenant(t *testing.T) *config.Tenant {
	t.Helper()
	cfg, err := config.Parse([]byte(`
hostname: mx.test.invalid
collectivites:
  - id: exemple
    name: Commune d'Exemple
    prefix: MAIRIE
    from: "Mairie de Saint-Exemple <contact@mairie-exemple.fr>"
    reply: {domain: reponse.mairie-exemple.fr}
    intake: [{address: contact@mairie-exemple.fr}]
    services:
      - {id: etat-civil, name: "Service de l'état civil", mailbox: etat-civil@mairie-exemple.fr,
         phone: "01 23 45 67 89", postal_address: "2 rue de la Mairie, 99000 Exemple"}
    natures:
      - {id: cu, label: Certificat d'urbanisme, service: etat-civil, regime: accord, delai: 2m}
      - {id: acte, label: Copie d'acte, service: etat-civil, regime: rejet, delai: 1m}
      - {id: info, label: Demande d'information, service: etat-civil, regime: aucun}
      - {id: documents, label: Communication de documents, service: etat-civil, regime: rejet, delai: 1m, cada: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Tenants[0]
}

// regimeMentions are the mentions of the implicit decision that the ARE
// must carry for each nature (CRPA R112-11-1).
var regimeMentions = map[string][]string{
	"cu": {"Nature de la demande : Certificat d'urbanisme", "dans un délai de 2 mois",
		"réputée acceptée à l'expiration du mercredi 24 février 2027", "silence vaut accord", "L231-1", "L232-3"},
	"acte": {"Nature de la demande : Copie d'acte", "dans un délai d'un mois",
		"réputée rejetée à l'expiration du dimanche 24 janvier 2027", "silence vaut rejet", "L231-4",
		"recours gracieux", "tribunal administratif", "jusqu'au jeudi 25 mars 2027", "L232-4"},
	"info": {"demande d'information", "aucune décision implicite"},
	"documents": {"réputée rejetée à l'expiration du dimanche 24 janvier 2027", "Commission d'accès aux documents administratifs (CADA)",
		"jusqu'au jeudi 25 mars 2027", "obligatoire avant tout recours", "L342-1", "R343-1"},
}

// refusalMentions are the voies de recours that a refusal states.
var refusalMentions = map[string][]string{
	"cu":        {"Motif : demande en double", "recours gracieux auprès de nos services", "deux mois", "voici notre réponse."},
	"acte":      {"Motif : demande en double", "recours gracieux auprès de nos services", "deux mois"},
	"info":      {"Motif : demande en double", "recours gracieux auprès de nos services", "deux mois"},
	"documents": {"Motif : demande en double", "saisissant la Commission d'accès aux documents administratifs", "R343-1"},
}

func TestLettersPerRegime(t *testing.T) {
	r := newRenderer(t, "")
	tn := letterTenant(t)
	svc := tn.Service("etat-civil")
	words := Staff{Text: "Bonjour,\nvoici notre réponse.\nL'agent", Attachments: []message.Part{
		{FileName: "arrete.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4")}}}
	thread := Thread{InReplyTo: "req-2@example.org", References: []string{"req-1@example.org", "aee-1@mx", "req-2@example.org"}}
	common := []string{"MAIRIE-2026-000042", "Mairie de Saint-Exemple"}

	for nature, mentions := range regimeMentions {
		d := regimeDossier(t, tn, nature)
		letters := []struct {
			kind string
			make func() (string, error)
			want []string
		}{
			{"ARE", render(t, func() ([]byte, error) {
				m, err := r.ARE(tn, d, svc, words, thread, now)
				return m.Raw, err
			}), append([]string{"reçue le jeudi 24 décembre 2026 à 23 h 30 (heure de Paris)",
				"Service chargé de votre demande : Service de l'état civil", "Courriel : " + replyAddress,
				"Téléphone : 01 23 45 67 89", "Adresse : 2 rue de la Mairie", "voici notre réponse.",
				"R112-11-1"}, mentions...)},
			{"refusal", render(t, func() ([]byte, error) {
				m, err := r.Refusal(tn, d, svc, "demande en double", words, thread, now)
				return m.Raw, err
			}), refusalMentions[nature]},
			{"transfer notice", render(t, func() ([]byte, error) {
				m, err := r.TransferNotice(tn, d, svc, "prefecture@example.gouv.fr", "compétence de l'État", words, thread, now)
				return m.Raw, err
			}), []string{"prefecture@example.gouv.fr", "L114-2", "Motif : compétence de l'État", "propre accusé de réception"}},
			{"reply", render(t, func() ([]byte, error) {
				m, err := r.Reply(tn, d, svc, words, thread, now)
				return m.Raw, err
			}), []string{"Bonjour, voici notre réponse. L'agent", "dossier MAIRIE-2026-000042"}},
		}
		for _, l := range letters {
			text, err := l.make()
			if err != nil {
				t.Fatalf("%s %s: %v", nature, l.kind, err)
			}
			for _, want := range append(l.want, common...) {
				if !strings.Contains(text, want) {
					t.Errorf("%s %s lacks %q:\n%s", nature, l.kind, want, text)
				}
			}
		}
	}
}

// render returns a function that composes a letter with build and
// returns its text on one line, after checking its headers.
func render(t *testing.T, build func() ([]byte, error)) func() (string, error) {
	return func() (string, error) {
		raw, err := build()
		if err != nil {
			return "", err
		}
		got := readLetter(t, raw)
		checkNoSved(t, "letter", got)
		to, _ := got.header.AddressList("To")
		from, _ := got.header.AddressList("From")
		if len(to) != 1 || to[0].Address != "zoe@example.org" || from[0].Address != "contact@mairie-exemple.fr" {
			t.Errorf("letter from %v to %v", from, to)
		}
		if irt := got.header.Get("In-Reply-To"); irt != "<req-2@example.org>" {
			t.Errorf("In-Reply-To = %q", irt)
		}
		if len(got.attachments) != 1 {
			t.Errorf("attachments = %d, want the agent's file", len(got.attachments))
		}
		return oneLine(got.text), nil
	}
}

func TestPiecesLetterPerRegime(t *testing.T) {
	r := newRenderer(t, "")
	tn := letterTenant(t)
	svc := tn.Service("etat-civil")
	effects := map[string]string{
		"cu":   "ne court qu'à compter de la réception de ces pièces",
		"acte": "est suspendu jusqu'à la réception de ces pièces, et au plus tard jusqu'au mardi 19 janvier 2027",
		"info": "",
	}
	for nature, effect := range effects {
		d := regimeDossier(t, tn, nature)
		granted, _ := deadline.ParseDelai("15d")
		if err := d.RequestPieces(deadline.NewDate(2027, 1, 4), granted); err != nil {
			t.Fatal(err)
		}
		d.Pieces[0].Items = []string{"plan de situation", "titre de propriété"}
		d.RecomputeDue(tn.Calendar())
		for _, kind := range []string{"pieces", "are"} {
			var raw []byte
			var err error
			if kind == "pieces" {
				m, e := r.PiecesRequest(tn, d, svc, Staff{}, Thread{}, now)
				raw, err = m.Raw, e
			} else {
				m, e := r.ARE(tn, d, svc, Staff{}, Thread{}, now)
				raw, err = m.Raw, e
			}
			if err != nil {
				t.Fatalf("%s %s: %v", nature, kind, err)
			}
			text := oneLine(readLetter(t, raw).text)
			for _, want := range []string{"plan de situation", "titre de propriété", "15 jours", "mardi 19 janvier 2027"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s %s lacks %q:\n%s", nature, kind, want, text)
				}
			}
			if effect != "" && !strings.Contains(text, effect) {
				t.Errorf("%s %s lacks the effect %q:\n%s", nature, kind, effect, text)
			}
			if effect == "" && strings.Contains(text, "L114-5") {
				t.Errorf("%s %s states an effect on a decision it has none:\n%s", nature, kind, text)
			}
		}
	}
}

func TestAREErrors(t *testing.T) {
	r := newRenderer(t, "")
	tn := letterTenant(t)
	d := regimeDossier(t, tn, "cu")
	noPhone := *tn.Service("etat-civil")
	noPhone.Phone = ""
	if _, err := r.ARE(tn, d, &noPhone, Staff{}, Thread{}, now); err == nil {
		t.Error("ARE of a service without phone: err = nil")
	}
	d.Requester = dossier.Address{}
	if _, err := r.ARE(tn, d, tn.Service("etat-civil"), Staff{}, Thread{}, now); err == nil {
		t.Error("ARE without requester address: err = nil")
	}
}

func TestStaffMailLetters(t *testing.T) {
	r := newRenderer(t, "")
	tn := letterTenant(t)
	d := regimeDossier(t, tn, "cu")
	svc := tn.Service("etat-civil")
	req := sampleMessage()

	m, err := r.Transfer(tn, d, svc, dossier.Address{Addr: "prefecture@example.gouv.fr"}, "compétence de l'État",
		req, []byte("From: zoe@example.org\r\nSubject: x\r\n\r\nDemande\r\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	got := readLetter(t, m.Raw)
	text := oneLine(got.text)
	for _, want := range []string{"L114-2", "Notre référence : MAIRIE-2026-000042", "Zoé Lefèvre <zoe@example.org>",
		"Motif : compétence de l'État", "Je souhaite un acte de naissance."} {
		if !strings.Contains(text, want) {
			t.Errorf("transfer lacks %q:\n%s", want, text)
		}
	}
	if _, ok := got.attachments["MAIRIE-2026-000042.eml"]; !ok {
		t.Errorf("transfer attachments = %v, want the request as received", keys(got.attachments))
	}

	m, err = r.StaffError(tn, d, dossier.Address{Addr: "agent@mairie-exemple.fr"},
		[]string{"ligne 1 : commande inconnue « #valider »"}, "#enregistrer : …", "staff-1@mairie-exemple.fr", now)
	if err != nil {
		t.Fatal(err)
	}
	got = readLetter(t, m.Raw)
	if to, _ := got.header.AddressList("To"); len(to) != 1 || to[0].Address != "agent@mairie-exemple.fr" ||
		!strings.Contains(got.text, "commande inconnue") || !strings.Contains(got.text, "#enregistrer") ||
		got.header.Get("In-Reply-To") != "<staff-1@mairie-exemple.fr>" {
		t.Errorf("staff error reply to %v:\n%s", to, got.text)
	}

	msg := &message.Message{Sender: dossier.Address{Addr: "inconnu@example.net"}, Subject: "Re: demande",
		Text: "#enregistrer"}
	m, err = r.Suspicious(tn, d, svc, msg, "l'expéditeur n'est ni le demandeur ni un agent", now)
	if err != nil {
		t.Fatal(err)
	}
	got = readLetter(t, m.Raw)
	if !strings.Contains(got.text, "inconnu@example.net") || !strings.Contains(got.text, "ni le demandeur") ||
		m.Recipients[0] != "etat-civil@mairie-exemple.fr" {
		t.Errorf("report to %v:\n%s", m.Recipients, got.text)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestTenantTemplates(t *testing.T) {
	r := newRenderer(t, "")
	tn := letterTenant(t)
	d := regimeDossier(t, tn, "cu")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "are.txt.tmpl"), "Accusé communal {{.Ref}} ({{.ServicePhone}}).\n")
	other := *tn
	other.ID, other.Templates = "autre", dir
	cfg := &config.Config{Tenants: []*config.Tenant{tn, &other}}
	if err := r.LoadTenants(cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tenant *config.Tenant
		want   string
	}{{&other, "Accusé communal MAIRIE-2026-000042 (01 23 45 67 89)."}, {tn, "Nous accusons réception"}} {
		m, err := r.ARE(c.tenant, d, c.tenant.Service("etat-civil"), Staff{}, Thread{}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := readLetter(t, m.Raw); !strings.Contains(got.text, c.want) || !strings.Contains(got.html, "R112-11-1") {
			t.Errorf("tenant %s: ARE text %q, want %q and the embedded HTML", c.tenant.ID, got.text, c.want)
		}
	}

	// A broken file is reported and the sets in use stay.
	writeFile(t, filepath.Join(dir, "are.txt.tmpl"), "{{.Ref")
	if err := r.LoadTenants(cfg); err == nil || !strings.Contains(err.Error(), "are.txt.tmpl") {
		t.Errorf("LoadTenants with a broken template: err = %v", err)
	}
	m, err := r.ARE(&other, d, other.Service("etat-civil"), Staff{}, Thread{}, now)
	if err != nil || !strings.Contains(readLetter(t, m.Raw).text, "Accusé communal") {
		t.Errorf("after a failed reload: %v", err)
	}
}
