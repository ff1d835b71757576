package message

import (
	"bytes"
	"crypto/sha256"
	"io"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
	"github.com/jhillyerd/enmime/v2"

	"github.com/sved-project/sved/internal/dossier"
)

// parsedMail is what a reader gets back from a composed message.
type parsedMail struct {
	header      gomail.Header
	text, html  string
	attachments map[string][]byte // file name to content
	contentIDs  map[string]string // file name to Content-ID
}

func parseComposed(t *testing.T, raw []byte) parsedMail {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse composed message: %v", err)
	}
	p := parsedMail{
		header:      r.Header,
		attachments: map[string][]byte{},
		contentIDs:  map[string]string{},
	}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatalf("read part body: %v", err)
		}
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			mediaType, _, _ := h.ContentType()
			if mediaType == "text/html" {
				p.html = string(body)
			} else {
				p.text = string(body)
			}
		case *gomail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Fatalf("attachment file name: %v", err)
			}
			p.attachments[name] = body
			p.contentIDs[name] = h.Get("Content-Id")
		}
	}
	return p
}

// checkLines fails when raw has a bare LF or CR, or a line longer than
// 998 octets.
func checkLines(t *testing.T, raw []byte) {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("message has a bare LF")
	}
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\r")) {
		t.Error("message has a bare CR")
	}
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if len(line) > 998 {
			t.Errorf("line %d is %d octets long", i+1, len(line))
		}
	}
}

func TestComposeRoundTrip(t *testing.T) {
	longLine := strings.Repeat("demande d'acte de naissance ", 200) // about 5,600 octets
	pdf := bytes.Repeat([]byte{0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0x10}, 3000)
	longName := strings.Repeat("très long nom de fichier éàç ", 12) + ".pdf"

	tests := []struct {
		name string
		in   Outgoing
	}{
		{
			name: "text only",
			in: Outgoing{
				Subject: "Demande d'état civil",
				Text:    "Bonjour,\nligne deux\n",
			},
		},
		{
			name: "text and HTML",
			in: Outgoing{
				Subject: "Réponse à votre demande",
				Text:    "Bonjour,\n" + longLine + "\n",
				HTML:    "<p>Bonjour,</p><p>" + longLine + "</p>",
			},
		},
		{
			name: "attachments",
			in: Outgoing{
				Subject: "Pièces jointes : façade, garage",
				Text:    longLine,
				HTML:    "<p>html</p>",
				Attachments: []Part{
					{FileName: "Relevé d'identité bancaire.pdf", ContentType: "application/pdf", Content: pdf},
					{FileName: longName, ContentType: "application/pdf", Content: []byte("court")},
					{FileName: "plan.txt", ContentType: "text/plain; charset=iso-8859-1", Content: []byte("caf\xe9\n")},
					{FileName: "logo.png", ContentType: "image/png", ContentID: "<logo@x>", Content: []byte("\x89PNG")},
				},
			},
		},
		{
			name: "attachment without HTML",
			in: Outgoing{
				Subject: strings.Repeat("Objet très long ", 40),
				Text:    "corps",
				Attachments: []Part{
					{FileName: "message.eml", ContentType: "message/rfc822", Content: []byte("From: a@b\r\n\r\nx")},
				},
			},
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.From = dossier.Address{Name: "Mairie d'Évry-sur-Loire", Addr: "contact@mairie.example"}
			in.To = []dossier.Address{{Name: "Zoé Lefèvre", Addr: "zoe@example.org"}}
			in.Date = time.Date(2026, 12, 4, 15, 42, 0, 0, time.UTC)
			in.InReplyTo = "orig@example.org"
			in.References = []string{"first@example.org", "orig@example.org"}
			in.Headers = map[string]string{"Auto-Submitted": "auto-replied", "X-Sved-Dossier": "MAIRIE-2026-000001"}

			raw, err := Compose(&in)
			if err != nil {
				t.Fatalf("Compose: %v", err)
			}
			checkLines(t, raw)
			got := parseComposed(t, raw)

			if s, _ := got.header.Subject(); s != strings.TrimSpace(in.Subject) {
				t.Errorf("subject = %q, want %q", s, in.Subject)
			}
			from, err := got.header.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Name != in.From.Name {
				t.Errorf("From = %v (%v), want name %q", from, err, in.From.Name)
			}
			to, err := got.header.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Name != "Zoé Lefèvre" || to[0].Address != "zoe@example.org" {
				t.Errorf("To = %v (%v)", to, err)
			}
			if id, _ := got.header.MessageID(); id == "" || id != in.MessageID {
				t.Errorf("Message-ID = %q, Outgoing.MessageID = %q", id, in.MessageID)
			}
			if ids, _ := got.header.MsgIDList("In-Reply-To"); len(ids) != 1 || ids[0] != "orig@example.org" {
				t.Errorf("In-Reply-To = %v", ids)
			}
			if ids, _ := got.header.MsgIDList("References"); len(ids) != 2 {
				t.Errorf("References = %v", ids)
			}
			if d, _ := got.header.Date(); !d.Equal(in.Date) {
				t.Errorf("Date = %v, want %v", d, in.Date)
			}
			if v := got.header.Get("Auto-Submitted"); v != "auto-replied" {
				t.Errorf("Auto-Submitted = %q", v)
			}
			if normalizeNewlines(got.text) != in.Text {
				t.Errorf("text differs: got %d octets, want %d", len(got.text), len(in.Text))
			}
			if got.html != in.HTML {
				t.Errorf("HTML differs: got %q", got.html)
			}
			if len(got.attachments) != len(in.Attachments) {
				t.Fatalf("got %d attachments, want %d", len(got.attachments), len(in.Attachments))
			}
			for _, a := range in.Attachments {
				content, ok := got.attachments[a.FileName]
				if !ok {
					t.Errorf("attachment %q missing; got %v", a.FileName, keys(got.attachments))
					continue
				}
				if sha256.Sum256(content) != sha256.Sum256(a.Content) {
					t.Errorf("attachment %q content differs", a.FileName)
				}
				if a.ContentID != "" && got.contentIDs[a.FileName] != a.ContentID {
					t.Errorf("attachment %q Content-ID = %q", a.FileName, got.contentIDs[a.FileName])
				}
			}
		})
	}
}

func normalizeNewlines(s string) string {
	return strings.ReplaceAll(s, "\r\n", "\n")
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestComposeEnmime parses a composed message with the parser that sved
// uses for incoming mail.
func TestComposeEnmime(t *testing.T) {
	name := "Récépissé n°2 — été 2026 " + strings.Repeat("x", 80) + ".pdf"
	in := Outgoing{
		From:        dossier.Address{Addr: "contact@mairie.example"},
		To:          []dossier.Address{{Addr: "zoe@example.org"}},
		Subject:     "Accusé d'enregistrement",
		Text:        "Bonjour",
		HTML:        "<p>Bonjour</p>",
		Attachments: []Part{{FileName: name, ContentType: "application/pdf", Content: []byte("%PDF")}},
	}
	raw, err := Compose(&in)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	env, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("enmime: %v", err)
	}
	if len(env.Errors) > 0 {
		t.Errorf("enmime reported errors: %v", env.Errors)
	}
	if got := env.GetHeader("Subject"); got != in.Subject {
		t.Errorf("subject = %q", got)
	}
	if len(env.Attachments) != 1 {
		t.Fatalf("got %d attachments, want 1", len(env.Attachments))
	}
	if got := env.Attachments[0].FileName; got != name {
		t.Errorf("file name = %q, want %q", got, name)
	}
	if env.Text != "Bonjour" {
		t.Errorf("text = %q", env.Text)
	}
}

func TestComposeInvalid(t *testing.T) {
	from := dossier.Address{Addr: "a@example.org"}
	to := []dossier.Address{{Addr: "b@example.org"}}
	tests := []struct {
		name string
		in   Outgoing
	}{
		{"missing From", Outgoing{To: to}},
		{"no To", Outgoing{From: from}},
		{"empty To address", Outgoing{From: from, To: []dossier.Address{{Name: "x"}}}},
		{"empty Reply-To", Outgoing{From: from, To: to, ReplyTo: &dossier.Address{}}},
		{"reserved header", Outgoing{From: from, To: to, Headers: map[string]string{"subject": "x"}}},
		{"bad field name", Outgoing{From: from, To: to, Headers: map[string]string{"X Bad": "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compose(&tt.in); err == nil {
				t.Error("Compose succeeded, want an error")
			}
		})
	}
}

func TestComposeHeaderInjection(t *testing.T) {
	in := Outgoing{
		From:    dossier.Address{Name: "Evil\r\nBcc: x@evil.example", Addr: "a@example.org"},
		To:      []dossier.Address{{Addr: "b@example.org"}},
		Subject: "Bonjour\r\nBcc: victim@example.org",
		Headers: map[string]string{"X-Sved-Dossier": "REF\nX-Injected: 1"},
	}
	raw, err := Compose(&in)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	checkLines(t, raw)
	got := parseComposed(t, raw)
	if got.header.Has("Bcc") || got.header.Has("X-Injected") {
		t.Errorf("a header field was injected:\n%s", raw)
	}
}

func TestNewMessageID(t *testing.T) {
	a := NewMessageID("sved.example")
	b := NewMessageID("sved.example")
	if a == b {
		t.Errorf("two Message-IDs are equal: %s", a)
	}
	if !strings.HasSuffix(a, "@sved.example") {
		t.Errorf("Message-ID %q does not end with the hostname", a)
	}
	if local, _, _ := strings.Cut(a, "@"); len(local) < 20 {
		t.Errorf("Message-ID %q has a short random part", a)
	}
	if got := NewMessageID(""); !strings.HasSuffix(got, "@sved.invalid") {
		t.Errorf("Message-ID without hostname = %q", got)
	}
}

func TestFormatDisposition(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"", "attachment"},
		{"plan.pdf", "attachment; filename=plan.pdf"},
		{"mon plan.pdf", `attachment; filename="mon plan.pdf"`},
		{"été.pdf", "attachment; filename*0*=utf-8''%C3%A9t%C3%A9.pdf"},
	}
	for _, tt := range tests {
		if got := formatDisposition("attachment", tt.name); got != tt.want {
			t.Errorf("formatDisposition(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzCompose checks that any subject, name, text and file name give a
// message that parses back with lines of at most 998 octets.
func FuzzCompose(f *testing.F) {
	f.Add("Objet", "Zoé", "texte\n", "<p>x</p>", "pièce.pdf")
	f.Add("\r\n", "\x00", strings.Repeat("a", 3000), "", strings.Repeat("é", 300))
	f.Fuzz(func(t *testing.T, subject, name, text, html, fileName string) {
		in := Outgoing{
			From:        dossier.Address{Name: name, Addr: "a@example.org"},
			To:          []dossier.Address{{Name: name, Addr: "b@example.org"}},
			Subject:     subject,
			Text:        text,
			HTML:        html,
			Attachments: []Part{{FileName: fileName, Content: []byte(text)}},
		}
		raw, err := Compose(&in)
		if err != nil {
			t.Fatalf("Compose: %v", err)
		}
		checkLines(t, raw)
		if _, err := gomail.CreateReader(bytes.NewReader(raw)); err != nil {
			t.Fatalf("parse: %v", err)
		}
	})
}

func TestFoldFieldFirstWordOnNameLine(t *testing.T) {
	long := "Accusé d'enregistrement de votre demande SAINTEX-2026-000001 : Demande de rendez-vous"
	got := string(foldField("Subject", encodeText(long)))
	first, _, _ := strings.Cut(got, "\r\n")
	if !strings.HasPrefix(first, "Subject: =?utf-8?") {
		t.Errorf("first line = %q, want the first encoded word after the field name", first)
	}
	for _, line := range strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line of %d octets", len(line))
		}
	}
}

func TestTextEncoding(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"ascii", "Bonjour\nMadame", "7bit"},
		{"utf-8", "Reçu le 4 décembre\n", "8bit"},
		{"crlf", "a\r\nb\nc", "7bit"},
		{"line at the limit", strings.Repeat("a", 998) + "\nb", "7bit"},
		{"line too long", strings.Repeat("a", 999), "quoted-printable"},
		{"long line after short ones", "a\nb\n" + strings.Repeat("é", 500), "quoted-printable"},
		{"nul byte", "a\x00b", "quoted-printable"},
		{"lone cr", "a\rb", "quoted-printable"},
		{"final cr", "a\r", "quoted-printable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := textEncoding(c.in); got != c.want {
				t.Errorf("encoding = %q, want %q", got, c.want)
			}
		})
	}
}

func TestComposeUnencodedTextHasCRLF(t *testing.T) {
	raw, err := Compose(&Outgoing{
		From:    dossier.Address{Addr: "contact@mairie.example.fr"},
		To:      []dossier.Address{{Addr: "jeanne@example.org"}},
		Subject: "Test",
		Text:    "Reçu.\nDeuxième ligne.\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Content-Transfer-Encoding: 8bit") {
		t.Errorf("short UTF-8 text not sent as 8bit:\n%s", raw)
	}
	if !strings.Contains(string(raw), "Reçu.\r\nDeuxième ligne.\r\n") {
		t.Errorf("text lines do not end with CRLF:\n%q", raw)
	}
}

func TestComposeLongLineStillQuotedPrintable(t *testing.T) {
	raw, err := Compose(&Outgoing{
		From:    dossier.Address{Addr: "contact@mairie.example.fr"},
		To:      []dossier.Address{{Addr: "jeanne@example.org"}},
		Subject: "Test",
		Text:    "début " + strings.Repeat("x", 3000),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "Content-Transfer-Encoding: quoted-printable") {
		t.Error("a 3000-octet line was not encoded")
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line of %d octets in the output", len(line))
		}
	}
}
