package notify

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
)

const replyAddress = "r-k3x9q2@reponse.mairie-exemple.fr"

func sampleTenant(t *testing.T) *config.Tenant {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("load Europe/Paris: %v", err)
	}
	return &config.Tenant{
		ID:       "exemple",
		Name:     "Mairie d'Exemple",
		Location: paris,
		Prefix:   "MAIRIE",
		From:     "Mairie d'Exemple <contact@mairie-exemple.fr>",
	}
}

func sampleService() *config.Service {
	return &config.Service{
		ID:      "etat-civil",
		Name:    "Service de l'état civil",
		Mailbox: "Etat civil <etat-civil@mairie-exemple.fr>",
	}
}

func sampleDossier() *dossier.Dossier {
	return &dossier.Dossier{
		Ref:        "MAIRIE-2026-000042",
		Tenant:     "exemple",
		Channel:    dossier.ChannelSMTP,
		ReceivedAt: time.Date(2026, 12, 4, 14, 42, 10, 0, time.UTC),
		Recipients: []string{"contact@mairie-exemple.fr"},
		Requester:  dossier.Address{Name: "Zoé Lefèvre", Addr: "zoe@example.org"},
		Subject:    "Demande d'acte de naissance",
		Service:    "etat-civil",
		MessageID:  "req-1@example.org",
		Attachments: []dossier.Attachment{
			{FileName: "Pièce d'identité.pdf", ContentType: "application/pdf", Size: 1_234_567, SHA256: strings.Repeat("ab", 32)},
			{FileName: "logo.png", ContentType: "image/png", Size: 512, SHA256: strings.Repeat("cd", 32), Inline: true},
		},
		Warnings:     []string{"attachment 2 has no file name"},
		Token:        "k3x9q2",
		ReplyAddress: replyAddress,
	}
}

func sampleMessage() *message.Message {
	return &message.Message{
		MessageID:  "req-1@example.org",
		References: []string{"older@example.org"},
		Subject:    "Demande d'acte de naissance",
		Text:       "Bonjour,\nJe souhaite un acte de naissance.\nZoé",
		Attachments: []message.Part{
			{FileName: "Pièce d'identité.pdf", ContentType: "application/pdf", Content: bytes.Repeat([]byte("%PDF"), 1000)},
		},
		Inlines: []message.Part{
			{ContentType: "image/png", ContentID: "logo@example.org", Content: []byte("\x89PNG....")},
		},
	}
}

// readMail is a letter parsed back.
type readMail struct {
	header      gomail.Header
	text, html  string
	attachments map[string][]byte
}

func readLetter(t *testing.T, raw []byte) readMail {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse letter: %v", err)
	}
	got := readMail{header: r.Header, attachments: map[string][]byte{}}
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			t.Fatalf("read part body: %v", err)
		}
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			if mt, _, _ := h.ContentType(); mt == "text/html" {
				got.html = string(body)
			} else {
				got.text = strings.ReplaceAll(string(body), "\r\n", "\n")
			}
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			got.attachments[name] = body
		}
	}
	return got
}

func newRenderer(t *testing.T, overrideDir string) *Renderer {
	t.Helper()
	r, err := New("sved.mairie-exemple.fr", overrideDir)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

var now = time.Date(2026, 12, 4, 14, 42, 11, 0, time.UTC)

func TestAEE(t *testing.T) {
	r := newRenderer(t, "")
	mail, err := r.AEE(sampleTenant(t), sampleDossier(), sampleService(), sampleMessage(), now)
	if err != nil {
		t.Fatalf("AEE: %v", err)
	}

	if mail.Kind != KindAEE || mail.Dossier != "MAIRIE-2026-000042" || mail.Tenant != "exemple" {
		t.Errorf("kind, dossier, tenant = %q, %q, %q", mail.Kind, mail.Dossier, mail.Tenant)
	}
	if mail.EnvelopeFrom != replyAddress {
		t.Errorf("envelope sender = %q, want the reply address", mail.EnvelopeFrom)
	}
	if len(mail.Recipients) != 1 || mail.Recipients[0] != "zoe@example.org" {
		t.Errorf("recipients = %v", mail.Recipients)
	}
	if !strings.HasSuffix(mail.MessageID, "@sved.mairie-exemple.fr") {
		t.Errorf("Message-ID = %q", mail.MessageID)
	}

	got := readLetter(t, mail.Raw)
	h := got.header
	wantSubject := "Accusé d'enregistrement de votre demande MAIRIE-2026-000042 : Demande d'acte de naissance"
	if s, _ := h.Subject(); s != wantSubject {
		t.Errorf("subject = %q, want %q", s, wantSubject)
	}
	if id, _ := h.MessageID(); id != mail.MessageID {
		t.Errorf("header Message-ID %q differs from OutboundMail.MessageID %q", id, mail.MessageID)
	}
	if ids, _ := h.MsgIDList("In-Reply-To"); len(ids) != 1 || ids[0] != "req-1@example.org" {
		t.Errorf("In-Reply-To = %v", ids)
	}
	if ids, _ := h.MsgIDList("References"); strings.Join(ids, " ") != "older@example.org req-1@example.org" {
		t.Errorf("References = %v", ids)
	}
	if rt, _ := h.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != replyAddress {
		t.Errorf("Reply-To = %v, want %s", rt, replyAddress)
	}
	if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Address != "contact@mairie-exemple.fr" {
		t.Errorf("From = %v", from)
	}
	if to, _ := h.AddressList("To"); len(to) != 1 || to[0].Address != "zoe@example.org" {
		t.Errorf("To = %v", to)
	}
	headers := map[string]string{
		"Auto-Submitted":           "auto-replied",
		"X-Auto-Response-Suppress": "All",
		"X-Sved-Dossier":           "MAIRIE-2026-000042",
	}
	for k, want := range headers {
		if v := h.Get(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if d, _ := h.Date(); !d.Equal(now) {
		t.Errorf("Date = %v, want %v", d, now)
	}

	mentions := []string{
		"MAIRIE-2026-000042",
		"le vendredi 4 décembre 2026 à 15 h 42",
		"heure de Paris",
		"Demande d'acte de naissance",
		"Service de l'état civil",
		"dix jours ouvrés",
		"Pièce d'identité.pdf",
		"1,2 Mo",
		strings.Repeat("ab", 32),
		"logo.png",
		"512 octets",
		"image intégrée au message",
		"L112-11",
		"code des relations entre le public et l'administration",
		"répondez simplement à ce message",
	}
	for _, part := range []struct{ name, body string }{{"text", oneLine(got.text)}, {"HTML", oneLine(got.html)}} {
		for _, m := range mentions {
			if !strings.Contains(part.body, m) && !strings.Contains(part.body, htmlEscape(m)) {
				t.Errorf("%s part lacks %q", part.name, m)
			}
		}
	}
	if len(got.attachments) != 0 {
		t.Errorf("AEE has %d attachments, want none", len(got.attachments))
	}
}

// oneLine joins the words of a body with single spaces, so that a
// mention matches whatever the line breaks.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func htmlEscape(s string) string {
	return strings.NewReplacer("'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestAEENoRequester(t *testing.T) {
	d := sampleDossier()
	d.Requester = dossier.Address{}
	if _, err := newRenderer(t, "").AEE(sampleTenant(t), d, sampleService(), nil, now); err == nil {
		t.Error("AEE without requester address succeeded")
	}
}

func TestAEEWithoutMessage(t *testing.T) {
	mail, err := newRenderer(t, "").AEE(sampleTenant(t), sampleDossier(), nil, nil, now)
	if err != nil {
		t.Fatalf("AEE: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if got.header.Has("In-Reply-To") {
		t.Error("In-Reply-To set without a request message")
	}
	if !strings.Contains(got.text, "le service compétent") {
		t.Error("text lacks the generic service phrase")
	}
}

func TestForward(t *testing.T) {
	r := newRenderer(t, "")
	m := sampleMessage()
	mail, err := r.Forward(sampleTenant(t), sampleDossier(), sampleService(), m, now)
	if err != nil {
		t.Fatalf("Forward: %v", err)
	}
	if mail.Kind != KindForward {
		t.Errorf("kind = %q", mail.Kind)
	}
	if mail.EnvelopeFrom != replyAddress {
		t.Errorf("envelope sender = %q", mail.EnvelopeFrom)
	}
	if len(mail.Recipients) != 1 || mail.Recipients[0] != "etat-civil@mairie-exemple.fr" {
		t.Errorf("recipients = %v", mail.Recipients)
	}

	got := readLetter(t, mail.Raw)
	h := got.header
	if s, _ := h.Subject(); s != "[MAIRIE-2026-000042] Demande d'acte de naissance" {
		t.Errorf("subject = %q", s)
	}
	if rt, _ := h.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != replyAddress {
		t.Errorf("Reply-To = %v", rt)
	}
	if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Name != "Zoé Lefèvre via sved" {
		t.Errorf("From = %v", from)
	}
	if v := h.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", v)
	}
	if v := h.Get("X-Sved-Dossier"); v != "MAIRIE-2026-000042" {
		t.Errorf("X-Sved-Dossier = %q", v)
	}

	mentions := []string{
		"MAIRIE-2026-000042",
		"le vendredi 4 décembre 2026 à 15 h 42",
		"Zoé Lefèvre <zoe@example.org>",
		"contact@mairie-exemple.fr",
		"courriel",
		"attachment 2 has no file name",
		"Pièce d'identité.pdf",
		"4,0 ko",
		"image-integree-1.png",
		"Je souhaite un acte de naissance.",
	}
	for _, part := range []struct{ name, body string }{{"text", oneLine(got.text)}, {"HTML", oneLine(got.html)}} {
		for _, want := range mentions {
			if !strings.Contains(part.body, want) && !strings.Contains(part.body, htmlEscape(want)) {
				t.Errorf("%s part lacks %q", part.name, want)
			}
		}
	}

	if !bytes.Equal(got.attachments["Pièce d'identité.pdf"], m.Attachments[0].Content) {
		t.Error("attachment not re-attached intact")
	}
	if !bytes.Equal(got.attachments["image-integree-1.png"], m.Inlines[0].Content) {
		t.Error("inline part not re-attached intact")
	}
}

func TestForwardUnknownRequester(t *testing.T) {
	d := sampleDossier()
	d.Requester = dossier.Address{}
	mail, err := newRenderer(t, "").Forward(sampleTenant(t), d, sampleService(), nil, now)
	if err != nil {
		t.Fatalf("Forward: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if !strings.Contains(got.text, "expéditeur inconnu") {
		t.Error("text lacks the unknown sender phrase")
	}
	if from, _ := got.header.AddressList("From"); len(from) != 1 || from[0].Name != "Mairie d'Exemple" {
		t.Errorf("From = %v", from)
	}
}

func TestForwardNoMailbox(t *testing.T) {
	svc := sampleService()
	svc.Mailbox = ""
	if _, err := newRenderer(t, "").Forward(sampleTenant(t), sampleDossier(), svc, nil, now); err == nil {
		t.Error("Forward without service mailbox succeeded")
	}
	if _, err := newRenderer(t, "").Forward(sampleTenant(t), sampleDossier(), nil, nil, now); err == nil {
		t.Error("Forward without service succeeded")
	}
}

func TestOverrideDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "aee.txt.tmpl"), "Texte communal pour {{.Ref}}, reçu {{.ReceivedAt}}.\n")
	writeFile(t, filepath.Join(dir, "aee.subject.tmpl"), "Votre demande {{.Ref}}\n")

	mail, err := newRenderer(t, dir).AEE(sampleTenant(t), sampleDossier(), sampleService(), nil, now)
	if err != nil {
		t.Fatalf("AEE: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if want := "Texte communal pour MAIRIE-2026-000042, reçu le vendredi 4 décembre 2026 à 15 h 42.\n"; got.text != want {
		t.Errorf("text = %q, want %q", got.text, want)
	}
	if s, _ := got.header.Subject(); s != "Votre demande MAIRIE-2026-000042" {
		t.Errorf("subject = %q", s)
	}
	// The HTML template was not overridden.
	if !strings.Contains(got.html, "dix jours ouvrés") {
		t.Error("embedded HTML template not used")
	}
}

func TestOverrideErrors(t *testing.T) {
	badSyntax := t.TempDir()
	writeFile(t, filepath.Join(badSyntax, "forward.html.tmpl"), "{{if .Ref}}unclosed")
	if _, err := New("h", badSyntax); err == nil || !strings.Contains(err.Error(), "forward.html.tmpl") {
		t.Errorf("New with a bad template: err = %v, want one naming the file", err)
	}

	if _, err := New("h", filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("New with a missing override directory succeeded")
	}

	unknownField := t.TempDir()
	writeFile(t, filepath.Join(unknownField, "aee.txt.tmpl"), "{{.NoSuchField}}")
	r := newRenderer(t, unknownField)
	if _, err := r.AEE(sampleTenant(t), sampleDossier(), sampleService(), nil, now); err == nil {
		t.Error("AEE with an unknown template field succeeded")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
