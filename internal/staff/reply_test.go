package staff

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/message"
)

func readMail(t *testing.T, path string) *message.Message {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return message.Parse(raw)
}

func TestOutlookFrenchReply(t *testing.T) {
	m := readMail(t, filepath.Join("testdata", "outlook-fr-reply.eml"))

	text := TrimQuoted(m.Text)
	for _, s := range []string{"Nouvelle demande", "r+abcdefghijklmnop", "Message du demandeur", "________"} {
		if strings.Contains(text, s) {
			t.Errorf("trimmed text kept %q:\n%s", s, text)
		}
	}
	r, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Command{{Kind: KindDocuments, Line: 1, DelayDays: 15, Items: []string{
		"justificatif de domicile de moins de trois mois",
		"copie recto verso de la pièce d'identité",
	}}}
	if !reflect.DeepEqual(r.Commands, want) {
		t.Errorf("commands = %#v, want %#v", r.Commands, want)
	}
	if !strings.HasPrefix(r.Text, "Bonjour Madame,") {
		t.Errorf("text starts %q, want the greeting", r.Text)
	}
	if !strings.HasSuffix(r.Text, "Service urbanisme – Mairie de Saint-Exemple\n01 23 45 67 89") {
		t.Errorf("text lost the signature:\n%s", r.Text)
	}

	html, err := TrimQuotedHTML(m.HTML)
	if err != nil {
		t.Fatalf("TrimQuotedHTML: %v", err)
	}
	for _, s := range []string{"Nouvelle demande", "r+abcdefghijklmnop", "divRplyFwdMsg", "<hr"} {
		if strings.Contains(html, s) {
			t.Errorf("trimmed HTML kept %q:\n%s", s, html)
		}
	}
	if !strings.Contains(html, "01 23 45 67 89") {
		t.Errorf("trimmed HTML lost the signature:\n%s", html)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != "liste-des-pieces.pdf" {
		t.Errorf("attachments = %+v, want liste-des-pieces.pdf", m.Attachments)
	}
}

// TestOutlookHTMLOnlyReply trims the text that internal/message makes
// from an HTML-only Outlook reply, where the header block is in bold.
func TestOutlookHTMLOnlyReply(t *testing.T) {
	html := readMail(t, filepath.Join("testdata", "outlook-fr-reply.eml")).HTML
	m := message.Parse([]byte("From: paul.martin@saint-exemple.example.fr\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/html; charset=utf-8\r\n\r\n" + html))
	if !strings.Contains(m.Text, "*De\u00a0:*") {
		t.Fatalf("the text made from HTML has no bold header block:\n%s", m.Text)
	}
	text := TrimQuoted(m.Text)
	if !strings.HasSuffix(text, "01 23 45 67 89") {
		t.Errorf("TrimQuoted =\n%s\nwant it to end with the signature", text)
	}
	if _, err := Parse(text); err != nil {
		t.Errorf("Parse: %v", err)
	}
}

func TestThunderbirdReplyWrappedAttribution(t *testing.T) {
	m := readMail(t, filepath.Join("testdata", "thunderbird-reply.eml"))

	r, err := Parse(TrimQuoted(m.Text))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Command{
		{Kind: KindService, Line: 1, ID: "urbanisme"},
		{Kind: KindNote, Line: 2, Note: "relève du permis de construire, pas de l'état civil"},
	}
	if !reflect.DeepEqual(r.Commands, want) {
		t.Errorf("commands = %#v, want %#v", r.Commands, want)
	}
	if r.Text != "Paul, je te le passe : c'est pour toi.\n\nMarie" {
		t.Errorf("text = %q", r.Text)
	}
	if !r.Internal() {
		t.Error("Internal() = false for #service with #note")
	}
}

func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SVED_CORPUS")
	if dir == "" {
		t.Skip("SVED_CORPUS is not set; it names the folder of real mails")
	}
	return dir
}

func TestCorpusReplies(t *testing.T) {
	dir := corpusDir(t)
	tests := []struct {
		file    string
		want    string   // the trimmed text
		dropped []string // text of the history
	}{
		{
			file: "charset/fr-outlook365-latin1-qp-reply.eml",
			want: "M. DUPONT Paul\nSuperviseur de voitures\n\n\n\n" +
				"Pas à pas, agissons au quotidien pour préserver notre environnement.\n" +
				"N'imprimez ce mail qu'en cas de nécessité.",
			dropped: []string{"Message d'origine", "Pièce jointe toujours pas conforme", "Retour BL"},
		},
		{file: "threading/thunderbird-reply-in-reply-to.eml", want: "Message body"},
		{file: "threading/outlook-empty-in-reply-to-odd-list-id.eml", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m := readMail(t, filepath.Join(dir, tt.file))
			got := TrimQuoted(m.Text)
			if strings.TrimRight(got, " \t") != tt.want {
				t.Errorf("TrimQuoted =\n%q\nwant\n%q", got, tt.want)
			}
			for _, s := range tt.dropped {
				if strings.Contains(got, s) {
					t.Errorf("TrimQuoted kept %q", s)
				}
			}
			r, err := Parse(got)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !r.Plain() {
				t.Errorf("commands = %#v, want a plain reply", r.Commands)
			}
		})
	}
}

// TestCorpusTrimAll runs both trimmers over every corpus mail: neither
// may panic, the text may not grow, and no script may survive.
func TestCorpusTrimAll(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus mail under %s: %v", dir, err)
	}
	for _, f := range files {
		m := readMail(t, f)
		if got := TrimQuoted(m.Text); len(got) > len(m.Text) {
			t.Errorf("%s: TrimQuoted grew the text from %d to %d bytes", f, len(m.Text), len(got))
		}
		if m.HTML == "" {
			continue
		}
		html, err := TrimQuotedHTML(m.HTML)
		if err != nil {
			t.Errorf("%s: TrimQuotedHTML: %v", f, err)
		}
		if strings.Contains(strings.ToLower(html), "<script") {
			t.Errorf("%s: a script survived", f)
		}
	}
}

// BenchmarkOutlookReply measures the work on the text of one staff
// reply: trimming the quoted history and parsing the commands.
func BenchmarkOutlookReply(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outlook-fr-reply.eml"))
	if err != nil {
		b.Fatal(err)
	}
	m := message.Parse(raw)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(TrimQuoted(m.Text)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutlookReplyHTML measures trimming and sanitizing the HTML
// body of one staff reply.
func BenchmarkOutlookReplyHTML(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "outlook-fr-reply.eml"))
	if err != nil {
		b.Fatal(err)
	}
	m := message.Parse(raw)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := TrimQuotedHTML(m.HTML); err != nil {
			b.Fatal(err)
		}
	}
}
