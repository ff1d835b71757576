package notify

import (
	"bytes"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
		Name:     "Commune d'Exemple",
		Location: paris,
		Prefix:   "MAIRIE",
		From:     "Mairie de Saint-Exemple <contact@mairie-exemple.fr>",
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
		"Bonjour Zoé Lefèvre,",
		"Nous avons bien reçu votre message. Il est enregistré sous la référence MAIRIE-2026-000042",
		"merci de la rappeler dans toute correspondance.",
		"vendredi 4 décembre 2026 à 15 h 42 (heure de Paris)",
		"Demande d'acte de naissance",
		"Service de l'état civil",
		"dix jours ouvrés",
		"Pièce d'identité.pdf",
		"1,2 Mo",
		strings.Repeat("ab", 32),
		"logo.png",
		"512 octets",
		"image intégrée au message",
		"la date à laquelle votre demande sera réputée acceptée ou rejetée en l'absence de réponse.",
		"Ce message vous a été envoyé automatiquement.",
		"prévu à l'article L112-11 du code des relations entre le public et l'administration",
		"ne tient pas lieu d'accusé de réception.",
		"répondez simplement à ce message",
		"seront ajoutées au dossier MAIRIE-2026-000042 et transmises au service.",
		"Mairie de Saint-Exemple",
	}
	for _, part := range []struct{ name, body string }{{"text", oneLine(got.text)}, {"HTML", oneLine(visibleText(got.html))}} {
		for _, m := range mentions {
			if !strings.Contains(part.body, m) {
				t.Errorf("%s part lacks %q", part.name, m)
			}
		}
	}
	if want := "Date de réception : vendredi 4 décembre 2026 à 15 h 42 (heure de Paris)\n"; !strings.Contains(got.text, want) {
		t.Errorf("text lacks the line %q", want)
	}
	if !strings.HasSuffix(got.text, "\n\nMairie de Saint-Exemple\n") {
		t.Errorf("text does not end with the tenant's signature: %q", lastLines(got.text))
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

// visibleText returns the text of an HTML body as a reader sees it: tags
// become spaces and character references are decoded.
func visibleText(body string) string {
	return html.UnescapeString(htmlTag.ReplaceAllString(body, " "))
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

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

func TestAEEGreeting(t *testing.T) {
	tests := []struct {
		name string // display name of the requester
		want string
	}{
		{"Zoé Lefèvre", "Bonjour Zoé Lefèvre,"},
		{"", "Bonjour,"},
		{"   ", "Bonjour,"},
		{"zoe@example.org", "Bonjour,"},
		{"direction@banque.example", "Bonjour,"},
	}
	for _, tt := range tests {
		d := sampleDossier()
		d.Requester.Name = tt.name
		mail, err := newRenderer(t, "").AEE(sampleTenant(t), d, sampleService(), nil, now)
		if err != nil {
			t.Fatalf("AEE for name %q: %v", tt.name, err)
		}
		got := readLetter(t, mail.Raw)
		if first := strings.SplitN(got.text, "\n", 2)[0]; first != tt.want {
			t.Errorf("name %q: text greeting = %q, want %q", tt.name, first, tt.want)
		}
		if !strings.Contains(got.html, "<p>"+htmlEscape(tt.want)+"</p>") {
			t.Errorf("name %q: HTML lacks greeting %q", tt.name, tt.want)
		}
	}
}

func TestAEESignatureFallback(t *testing.T) {
	tenant := sampleTenant(t)
	tenant.From = "contact@mairie-exemple.fr"
	mail, err := newRenderer(t, "").AEE(tenant, sampleDossier(), sampleService(), nil, now)
	if err != nil {
		t.Fatalf("AEE: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if !strings.HasSuffix(got.text, "\n\nCommune d'Exemple\n") {
		t.Errorf("text does not end with the tenant's name: %q", lastLines(got.text))
	}
	if !strings.Contains(got.html, "<p>"+htmlEscape("Commune d'Exemple")+"</p>") {
		t.Error("HTML lacks the tenant's name as signature")
	}
}

func TestAEENoAttachments(t *testing.T) {
	d := sampleDossier()
	d.Attachments = nil
	mail, err := newRenderer(t, "").AEE(sampleTenant(t), d, sampleService(), nil, now)
	if err != nil {
		t.Fatalf("AEE: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if !strings.Contains(got.text, "\nPièces jointes reçues : aucune\n\n") {
		t.Errorf("text lacks the one-line empty attachment list:\n%s", got.text)
	}
	if !strings.Contains(got.html, "<p>Pièces jointes reçues : aucune</p>") {
		t.Error("HTML lacks the one-line empty attachment list")
	}
}

func TestForward(t *testing.T) {
	r := newRenderer(t, "")
	m := sampleMessage()
	mail, err := r.Forward(sampleTenant(t), sampleDossier(), sampleService(), m, now, AckSent)
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
	const wantName = "Zoé Lefèvre (via Mairie de Saint-Exemple)"
	if rt, _ := h.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != replyAddress || rt[0].Name != wantName {
		t.Errorf("Reply-To = %v, want %q <%s>", rt, wantName, replyAddress)
	}
	if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Name != wantName {
		t.Errorf("From = %v, want name %q", from, wantName)
	}
	if v := h.Get("Auto-Submitted"); v != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", v)
	}
	if v := h.Get("X-Sved-Dossier"); v != "MAIRIE-2026-000042" {
		t.Errorf("X-Sved-Dossier = %q", v)
	}
	if !strings.HasPrefix(got.text, "Nouvelle demande : MAIRIE-2026-000042\n\n") {
		t.Errorf("text does not start with the header line: %q", firstLines(got.text))
	}

	mentions := []string{
		"Nouvelle demande : MAIRIE-2026-000042",
		"vendredi 4 décembre 2026 à 15 h 42 (heure de Paris)",
		"Zoé Lefèvre <zoe@example.org>",
		"contact@mairie-exemple.fr",
		"courriel",
		"Pièce d'identité.pdf",
		"4,0 ko",
		"image-integree-1.png",
		"Pour répondre au demandeur, répondez à ce message : votre réponse lui sera transmise " +
			"depuis l'adresse de la collectivité, sans l'historique cité et sans vos adresses internes.",
		"#transmettre ADRESSE",
		"Je souhaite un acte de naissance.",
	}
	for _, part := range []struct{ name, body string }{{"text", oneLine(got.text)}, {"HTML", oneLine(visibleText(got.html))}} {
		for _, want := range mentions {
			if !strings.Contains(part.body, want) {
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

func TestForwardAckStatus(t *testing.T) {
	tests := []struct {
		ack  AckStatus
		want string
	}{
		{AckSent, "envoyé à zoe@example.org"},
		{AckNoSender, "non envoyé (expéditeur inconnu)"},
		{AckLimited, "non envoyé (trop d'accusés déjà envoyés à cette adresse aujourd'hui)"},
	}
	for _, tt := range tests {
		mail, err := newRenderer(t, "").Forward(sampleTenant(t), sampleDossier(), sampleService(), nil, now, tt.ack)
		if err != nil {
			t.Fatalf("Forward with ack %d: %v", tt.ack, err)
		}
		got := readLetter(t, mail.Raw)
		if line := "\nAccusé d'enregistrement : " + tt.want + "\n"; !strings.Contains(got.text, line) {
			t.Errorf("ack %d: text lacks line %q", tt.ack, strings.TrimSpace(line))
		}
		if row := "Accusé d'enregistrement " + tt.want + " "; !strings.Contains(oneLine(visibleText(got.html)), row) {
			t.Errorf("ack %d: HTML lacks row %q", tt.ack, row)
		}
	}
}

func TestForwardUnknownAckStatus(t *testing.T) {
	_, err := newRenderer(t, "").Forward(sampleTenant(t), sampleDossier(), sampleService(), nil, now, AckStatus(99))
	if err == nil {
		t.Error("Forward with an unknown AckStatus succeeded")
	}
}

func TestForwardWarnings(t *testing.T) {
	english := []string{
		"Blank lines before the header were ignored.",
		"attachment 2 has no file name",
		"Invalid charset in part 3.",
	}
	tests := []struct {
		warnings []string
		want     string // count shown, or "" for no warning line
	}{
		{nil, ""},
		{english[:1], "(1 anomalie)"},
		{english, "(3 anomalies)"},
	}
	for _, tt := range tests {
		// The count comes from the parser's warnings; the dossier's hold
		// intake notes too, which do not make a message malformed.
		d := sampleDossier()
		d.Warnings = append(slices.Clone(tt.warnings), "no acknowledgement sent")
		m := sampleMessage()
		m.Warnings = tt.warnings
		mail, err := newRenderer(t, "").Forward(sampleTenant(t), d, sampleService(), m, now, AckSent)
		if err != nil {
			t.Fatalf("Forward with %d warnings: %v", len(tt.warnings), err)
		}
		got := readLetter(t, mail.Raw)
		for _, part := range []struct{ name, body string }{{"text", oneLine(got.text)}, {"HTML", oneLine(visibleText(got.html))}} {
			hasLine := strings.Contains(part.body, "Le message reçu était mal formé")
			if tt.want == "" && hasLine {
				t.Errorf("%s part has a warning line without warnings", part.name)
			}
			if tt.want != "" {
				line := "Le message reçu était mal formé " + tt.want + " : le texte ci-dessous peut être incomplet ; " +
					"le message d'origine est conservé intact dans le dossier."
				if !strings.Contains(part.body, line) {
					t.Errorf("%s part lacks %q", part.name, line)
				}
			}
			for _, w := range english {
				if strings.Contains(part.body, w) {
					t.Errorf("%s part shows the parser note %q", part.name, w)
				}
			}
		}
	}
}

func TestForwardUnknownRequester(t *testing.T) {
	d := sampleDossier()
	d.Requester = dossier.Address{}
	mail, err := newRenderer(t, "").Forward(sampleTenant(t), d, sampleService(), nil, now, AckSent)
	if err != nil {
		t.Fatalf("Forward: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if !strings.Contains(got.text, "De : expéditeur inconnu\n") {
		t.Error("text lacks the unknown sender line")
	}
	if !strings.Contains(got.text, "Accusé d'enregistrement : non envoyé (expéditeur inconnu)\n") {
		t.Error("text does not say that no AEE was sent")
	}
	const noReply = "L'expéditeur est inconnu : aucune réponse ne peut lui être adressée."
	if !strings.Contains(got.text, noReply) {
		t.Errorf("text lacks %q", noReply)
	}
	if !strings.Contains(oneLine(visibleText(got.html)), noReply) {
		t.Errorf("HTML lacks %q", noReply)
	}
	if strings.Contains(got.text, "écrivez-lui") {
		t.Error("text tells to write to an unknown requester")
	}
	if from, _ := got.header.AddressList("From"); len(from) != 1 || from[0].Name != "Mairie de Saint-Exemple" {
		t.Errorf("From = %v", from)
	}
}

func TestForwardAddressAsName(t *testing.T) {
	d := sampleDossier()
	d.Requester = dossier.Address{Name: "direction@banque.example", Addr: "x@attaquant.example"}
	mail, err := newRenderer(t, "").Forward(sampleTenant(t), d, sampleService(), nil, now, AckSent)
	if err != nil {
		t.Fatalf("Forward: %v", err)
	}
	got := readLetter(t, mail.Raw)
	from, _ := got.header.AddressList("From")
	if want := "x@attaquant.example (via Mairie de Saint-Exemple)"; len(from) != 1 || from[0].Name != want {
		t.Errorf("From = %v, want name %q", from, want)
	}
}

func TestForwardNoMailbox(t *testing.T) {
	svc := sampleService()
	svc.Mailbox = ""
	if _, err := newRenderer(t, "").Forward(sampleTenant(t), sampleDossier(), svc, nil, now, AckSent); err == nil {
		t.Error("Forward without service mailbox succeeded")
	}
	if _, err := newRenderer(t, "").Forward(sampleTenant(t), sampleDossier(), nil, nil, now, AckSent); err == nil {
		t.Error("Forward without service succeeded")
	}
}

// followUpNow is three days after the request of sampleDossier.
var followUpNow = time.Date(2026, 12, 7, 8, 5, 0, 0, time.UTC)

func sampleFollowUp() *message.Message {
	return &message.Message{
		MessageID: "req-2@example.org",
		InReplyTo: []string{"aee-1@sved.mairie-exemple.fr"},
		Sender:    dossier.Address{Name: "Zoé Lefèvre", Addr: "zoe@example.org"},
		Subject:   "Re: Accusé d'enregistrement de votre demande MAIRIE-2026-000042",
		Text:      "Voici le livret de famille demandé.",
		Attachments: []message.Part{
			{FileName: "livret.pdf", ContentType: "application/pdf", Content: bytes.Repeat([]byte("L"), 2500)},
		},
		Warnings: []string{"Blank lines before the header were ignored."},
	}
}

func TestFollowUp(t *testing.T) {
	m := sampleFollowUp()
	mail, err := newRenderer(t, "").FollowUp(sampleTenant(t), sampleDossier(), sampleService(), m, followUpNow, false)
	if err != nil {
		t.Fatalf("FollowUp: %v", err)
	}
	if mail.Kind != "complement" {
		t.Errorf("kind = %q, want %q", mail.Kind, "complement")
	}
	if mail.Dossier != "MAIRIE-2026-000042" {
		t.Errorf("dossier = %q", mail.Dossier)
	}
	if mail.EnvelopeFrom != replyAddress {
		t.Errorf("envelope sender = %q", mail.EnvelopeFrom)
	}
	if len(mail.Recipients) != 1 || mail.Recipients[0] != "etat-civil@mairie-exemple.fr" {
		t.Errorf("recipients = %v", mail.Recipients)
	}

	got := readLetter(t, mail.Raw)
	h := got.header
	wantSubject := "[MAIRIE-2026-000042] Complément : Re: Accusé d'enregistrement de votre demande MAIRIE-2026-000042"
	if s, _ := h.Subject(); s != wantSubject {
		t.Errorf("subject = %q, want %q", s, wantSubject)
	}
	const wantName = "Zoé Lefèvre (via Mairie de Saint-Exemple)"
	if from, _ := h.AddressList("From"); len(from) != 1 || from[0].Name != wantName ||
		from[0].Address != replyAddress {
		t.Errorf("From = %v, want %q <%s>", from, wantName, replyAddress)
	}
	if rt, _ := h.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != replyAddress || rt[0].Name != wantName {
		t.Errorf("Reply-To = %v, want %q <%s>", rt, wantName, replyAddress)
	}
	headers := map[string]string{
		"Auto-Submitted":           "auto-generated",
		"X-Auto-Response-Suppress": "All",
		"X-Sved-Dossier":           "MAIRIE-2026-000042",
	}
	for k, want := range headers {
		if v := h.Get(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if h.Has("In-Reply-To") {
		t.Error("follow-up to staff has In-Reply-To")
	}
	if !strings.HasPrefix(got.text, "Complément reçu pour le dossier MAIRIE-2026-000042\n\n") {
		t.Errorf("text does not start with the header line: %q", firstLines(got.text))
	}

	mentions := []string{
		"Complément reçu pour le dossier MAIRIE-2026-000042",
		"lundi 7 décembre 2026 à 9 h 05 (heure de Paris)",
		"Zoé Lefèvre <zoe@example.org>",
		"Service de l'état civil",
		"livret.pdf, 2,5 ko",
		"Le message reçu était mal formé (1 anomalie)",
		"Pour répondre au demandeur, répondez à ce message : votre réponse lui sera transmise " +
			"depuis l'adresse de la collectivité, sans l'historique cité et sans vos adresses internes.",
		"#transmettre ADRESSE",
		"Voici le livret de famille demandé.",
	}
	for _, part := range []struct{ name, body string }{{"text", oneLine(got.text)}, {"HTML", oneLine(visibleText(got.html))}} {
		for _, want := range mentions {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q", part.name, want)
			}
		}
		// The date of the first request is not the date of this message.
		if strings.Contains(part.body, "vendredi 4 décembre 2026") {
			t.Errorf("%s part shows the dossier's date of receipt", part.name)
		}
		if strings.Contains(part.body, "Blank lines before the header") {
			t.Errorf("%s part shows the parser note", part.name)
		}
		// Only the attachments of this message are listed.
		if strings.Contains(part.body, "identité.pdf") {
			t.Errorf("%s part lists an attachment of the first request", part.name)
		}
	}

	if len(got.attachments) != 1 {
		t.Errorf("follow-up has %d attachments, want 1", len(got.attachments))
	}
	if !bytes.Equal(got.attachments["livret.pdf"], m.Attachments[0].Content) {
		t.Error("attachment not re-attached intact")
	}
}

func TestFollowUpUnknownSender(t *testing.T) {
	m := sampleFollowUp()
	m.Sender = dossier.Address{}
	m.Attachments = nil
	mail, err := newRenderer(t, "").FollowUp(sampleTenant(t), sampleDossier(), sampleService(), m, followUpNow, false)
	if err != nil {
		t.Fatalf("FollowUp: %v", err)
	}
	got := readLetter(t, mail.Raw)
	for _, want := range []string{
		"De : expéditeur inconnu\n",
		"Pièces jointes : aucune\n",
		"L'expéditeur est inconnu : aucune réponse ne peut lui être adressée.",
	} {
		if !strings.Contains(got.text, want) {
			t.Errorf("text lacks %q", want)
		}
	}
	if from, _ := got.header.AddressList("From"); len(from) != 1 || from[0].Name != "Mairie de Saint-Exemple" {
		t.Errorf("From = %v", from)
	}
}

func TestFollowUpErrors(t *testing.T) {
	r := newRenderer(t, "")
	if _, err := r.FollowUp(sampleTenant(t), sampleDossier(), sampleService(), nil, followUpNow, false); err == nil {
		t.Error("FollowUp without a message succeeded")
	}
	if _, err := r.FollowUp(sampleTenant(t), sampleDossier(), nil, sampleFollowUp(), followUpNow, false); err == nil {
		t.Error("FollowUp without service succeeded")
	}
}

// TestNoSvedInLetters checks that the program's name appears nowhere a
// requester or an agent reads: subjects, bodies and display names.
func TestNoSvedInLetters(t *testing.T) {
	r := newRenderer(t, "")
	tenant := sampleTenant(t)
	aee, err := r.AEE(tenant, sampleDossier(), sampleService(), sampleMessage(), now)
	if err != nil {
		t.Fatalf("AEE: %v", err)
	}
	fwd, err := r.Forward(tenant, sampleDossier(), sampleService(), sampleMessage(), now, AckLimited)
	if err != nil {
		t.Fatalf("Forward: %v", err)
	}
	fup, err := r.FollowUp(tenant, sampleDossier(), sampleService(), sampleFollowUp(), followUpNow, false)
	if err != nil {
		t.Fatalf("FollowUp: %v", err)
	}
	for kind, raw := range map[string][]byte{"aee": aee.Raw, "forward": fwd.Raw, "follow-up": fup.Raw} {
		got := readLetter(t, raw)
		subject, _ := got.header.Subject()
		read := map[string]string{"subject": subject, "text": got.text, "HTML": got.html}
		for _, field := range []string{"From", "Reply-To", "To"} {
			list, _ := got.header.AddressList(field)
			for _, a := range list {
				read[field+" name"] += a.Name
			}
		}
		for where, s := range read {
			if strings.Contains(strings.ToLower(s), "sved") {
				t.Errorf("%s: %s contains \"sved\": %q", kind, where, s)
			}
		}
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

func TestOverrideFollowUp(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "followup.subject.tmpl"), "Complément {{.Ref}} de {{.RequesterAddr}}\n")

	mail, err := newRenderer(t, dir).FollowUp(sampleTenant(t), sampleDossier(), sampleService(), sampleFollowUp(), followUpNow, false)
	if err != nil {
		t.Fatalf("FollowUp: %v", err)
	}
	got := readLetter(t, mail.Raw)
	if s, _ := got.header.Subject(); s != "Complément MAIRIE-2026-000042 de zoe@example.org" {
		t.Errorf("subject = %q", s)
	}
	if !strings.HasPrefix(got.text, "Complément reçu pour le dossier") {
		t.Error("embedded text template not used")
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

// firstLines returns the start of a body for a failure message.
func firstLines(s string) string {
	lines := strings.SplitN(s, "\n", 4)
	if len(lines) > 3 {
		lines = lines[:3]
	}
	return strings.Join(lines, "\n")
}

// lastLines returns the end of a body for a failure message.
func lastLines(s string) string {
	return s[max(0, len(s)-80):]
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
