package message

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusCase is what the corpus MANIFEST.tsv expects of one file, as far
// as parsing goes. Empty strings and nil slices are not checked, except
// attachments and inlines, which are always checked exactly.
type corpusCase struct {
	file        string
	subject     string
	senderAddr  string // "-" means the sender must be unknown
	senderName  string
	fromCount   int
	toName      string
	text        []string // substrings of Text
	noText      bool     // Text must be blank
	html        bool     // HTML must not be empty
	attachments []string
	inlines     int
	kind        VerdictKind
	warning     bool // at least one warning
	messageID   string
	inReplyTo   []string
	references  []string
}

var corpusCases = []corpusCase{
	{file: "attachments/apple-raw-utf8-filename-unquoted.eml",
		senderAddr: "foo@example.com", text: []string{"This is the first part."},
		attachments: []string{"ciële.txt"}},
	{file: "attachments/fr-orange-webmail-ezmlm-encoded-word-filename.eml",
		subject: "Persil, abeilles ...", senderAddr: "blablafakeemail@provider.fr",
		senderName: "John DOE", noText: true,
		attachments: []string{"Biodiversité de semaine en semaine.doc"}, kind: VerdictList},
	// The raw GBK bytes of this file were already replaced by U+FFFD when
	// it was collected; the checks below only ask for one valid name.
	{file: "attachments/outlook-express-gbk-filename-no-text.eml",
		senderAddr: "bob@example.com", noText: true, attachments: []string{"½ ıĵ.txt"}},
	{file: "attachments/raw-8bit-filename-foxmail.eml",
		senderAddr: "pavel@example.org", text: []string{"Text part"},
		attachments: []string{"管理.doc"}},
	{file: "attachments/rfc2231-utf8-filename-arabic-odt.eml",
		senderAddr: "claire.exemple@example.org", attachments: []string{"ديناصور.odt"}},

	{file: "auto-replies/arabic-autoreply-all-markers.eml",
		subject: "أهلين عميلنا الكريم", senderAddr: "example@gmail.com",
		kind:      VerdictAutoReply,
		inReplyTo: []string{"4e6e35f5a38b4_479f13bb90078178@small-app-01.mail"}},
	{file: "auto-replies/exchange-automatic-reply-cp1252.eml",
		subject: "Automatic reply: Nyaan", senderAddr: "kijitora@example.org",
		text: []string{"I will be traveling for work"}, kind: VerdictAutoReply},
	{file: "auto-replies/mbox-line-auto-replied-qp-utf8.eml",
		senderAddr: "foo@bar.net", text: []string{"zukünftig"}, kind: VerdictAutoReply,
		warning: true},
	{file: "auto-replies/mimecast-autoresponse-bulk.eml",
		subject: "AutoRespons :Nyaan?", senderAddr: "noreply@example.com", html: true,
		kind: VerdictAutoReply},
	{file: "auto-replies/plain-rfc3834-away.eml",
		subject: "Away until May 5", kind: VerdictAutoReply},
	{file: "auto-replies/x-autoreply-only-to-reply-address.eml",
		senderAddr: "jake@adventuretime.ooo", kind: VerdictAutoReply},

	{file: "bounces/dmarc-aggregate-report-google.eml",
		senderAddr: "noreply-dmarc-support@google.com", noText: true,
		attachments: []string{"google.com!ueber.net!1633996800!1634083199.zip"},
		kind:        VerdictBulk},
	{file: "bounces/fr-exchange-ndr-mairie-latin1.eml",
		subject:    "Non remis : Votre deuxième paire de chaussures à 5 euros",
		senderAddr: "postmaster@ville-saumur.fr",
		text:       []string{"transports@agglo-saumur.fr"}, html: true,
		attachments: []string{"piece-jointe-1.txt",
			"Votre deuxième paire de chaussures à 5 euros.eml"},
		kind:       VerdictBounce,
		inReplyTo:  []string{"1513177790.ha3dsljxgizc2mjrgq2dkobx@mb.newsletter-autos.fr"},
		references: []string{"1513177790.ha3dsljxgizc2mjrgq2dkobx@mb.newsletter-autos.fr"}},
	{file: "bounces/gmail-plaintext-non-dsn.eml",
		senderAddr: "mailer-daemon@googlemail.com",
		text:       []string{"awfawfawfawfawfaw@someserverhere.com"}, kind: VerdictBounce},
	{file: "bounces/laposte-account-blocked-postfix-dsn.eml",
		text:        []string{"Le compte du destinataire est bloque"},
		attachments: []string{"piece-jointe-1.txt", "xxxxx.eml"}, kind: VerdictBounce},
	{file: "bounces/mdn-read-receipt.eml",
		attachments: []string{"piece-jointe-1.txt", "Hi.eml"}, kind: VerdictReadReceipt},

	{file: "calendar/exchange2010-invite-in-alternative.eml",
		subject: "1", text: []string{"1"}, html: true,
		attachments: []string{"piece-jointe-1.ics"}},
	{file: "calendar/openpaas-cancel-related-in-alternative.eml",
		subject: noSubject, senderAddr: "-", html: true,
		attachments: []string{"piece-jointe-1.ics", "meeting.ics"}},
	// The corpus file itself reads "transéré" (an anonymisation slip).
	{file: "calendar/thunderbird-fwd-google-invite-fr.eml",
		subject: "Fwd: Invitation: (Aucun objet) - ven. 20 janv. 2017 14:00 - 15:00 (CET) " +
			"(jean.dupont@example.org)",
		toName: "Jérôme DUPONT", text: []string{"-------- Message trans", "Sujet :"}, html: true,
		attachments: []string{"Portion de message joint", "invite.ics"}},
	{file: "calendar/yahoo-invite-spam-tag-mojibake.eml",
		subject: "***SPAM*** Invitation\u00c2\u00a0: Test from Yahoo", html: true,
		attachments: []string{"piece-jointe-1.ics", "invite.ics"}, kind: VerdictSpam},

	{file: "charset/fr-outlook365-latin1-qp-reply.eml",
		subject:     "50032266 CAR 11_MNPA00A01_9PTX_H00 ATT N° 1467829. pdf",
		text:        []string{"Pièce jointe toujours pas conforme"},
		attachments: []string{"50032266 CAR 11_MNPA00A01_9PTX_H00 ATT N° 1467829.pdf"}},
	{file: "charset/iso-8859-15-mixed-case-labels.eml",
		subject: "📧 Test Suomenkieliset pangrammit", senderName: "Alice Lähettäjä",
		fromCount: 2, text: []string{"töräytti"}, warning: true},
	{file: "charset/unknown-charset-fakescii.eml",
		text: []string{"A text section"}, attachments: []string{"foo_9E5D72.zip"}, warning: true},

	{file: "client-shapes/gmail-empty-body-attachment-fr-subject.eml",
		subject: "Mail avec fichier attaché de 1ko", noText: true, html: true,
		attachments: []string{"attach01"}},
	{file: "client-shapes/iphone-leading-whitespace-line.eml",
		subject: "Subject", senderAddr: "someone@somewhere.com", text: []string{"Hello"},
		inlines: 1, warning: true},

	{file: "encoded-words/partially-encoded-subject-euckr-b64-body.eml",
		subject: `Re: Test: "漢字" mid "漢字" tail`, text: []string{"하나님을"}},
	{file: "encoded-words/raw-latin1-subject-b64-quoted-name.eml",
		subject:    "Formação FrenetikPolis: Mega Campanha Final Verão | Cursos de Setembro",
		senderName: "Formação Frenetikpolis", senderAddr: "info@example.org"},
	{file: "encoded-words/unknown-charset-bad-padding-no-sender.eml",
		subject: "TEST", senderAddr: "-", text: []string{"TEST"}, warning: true},

	{file: "forwards/enclosed-message-utf8-names.eml",
		toName: "Александр Клижентас☯", attachments: []string{"thanks.eml"}, warning: true},
	{file: "forwards/thunderbird-forward-as-attachment-broken-b64.eml",
		text: []string{"Forward as attachment !"}, attachments: []string{"Courbe Sprint.eml"}},
	{file: "forwards/zimbra-fwd-html-only-plus-rfc822.eml",
		subject: "Fwd: Test 5", senderAddr: "example@example.com",
		text: []string{"An RFC 822 forward with a HTML body"}, html: true,
		attachments: []string{"Test 5.eml"}},

	{file: "long-lines/html-very-long-links.eml",
		text: []string{"http://www.longurlmaker.com/view/?id=UAOJNVKBMQUGPYZKCQZRZKJEXRCRXMRSMFBZB" +
			"MBODWUSVTDXJCPJMYOKQQBODSGPYHPZURNXNIQIBUGLWVU"}, html: true},
	{file: "long-lines/junk-first-line-and-overlong-header.eml",
		subject: "Tr. : Photos !", text: []string{"Content of part 1-1"}, html: true,
		attachments: []string{"piece-jointe-1.html"}, warning: true},
	{file: "long-lines/plain-very-long-lines.eml",
		subject: "Simple Subject", text: []string{"this is a very very long line"}},

	{file: "mailing-lists/ezmlm-nntp-gateway-unindented-folds.eml",
		subject: "Re: [PHP-DEV] [RFC] Remove PHP 4 Constructors", kind: VerdictList,
		warning: true},
	{file: "mailing-lists/fr-sympa-frnog-double-encoded-utf8.eml",
		subject: "[FRnOG] [BIZ] Collecte de liens C2E/CELAN en DOM",
		text:    []string{"mÃ©tropole"}, kind: VerdictList},

	{file: "malformed-headers/addresses-without-commas.eml",
		senderAddr: "tim@example.org", fromCount: 2, text: []string{"recordkick"},
		warning: true},
	{file: "malformed-headers/duplicate-references-broken-msgid.eml",
		text: []string{"foo"}, html: true, warning: true,
		references: []string{"foo@bar.net", "baz@bar.net"}},
	{file: "malformed-headers/missing-final-boundary.eml",
		text: []string{"A text section"}, attachments: []string{"foo_9E5D72.zip"}, warning: true},
	{file: "malformed-headers/multipart-report-without-boundary.eml",
		text: []string{"I'm  multipart message without boundary"}, kind: VerdictBounce},
	{file: "malformed-headers/no-from-date-msgid-cp1252-qp.eml",
		senderAddr: "-", subject: noSubject,
		text: []string{"Best\nEnviado desde mi BlackBerry® de Vodafone"}},
	{file: "malformed-headers/raw-utf8-and-8bit-headers-bad-boundary.eml",
		senderAddr: "headers@gmail.com", senderName: "Юникод запрещенñ",
		text: []string{"Hello"}, warning: true},
	{file: "malformed-headers/unindented-parameter-continuation.eml",
		text: []string{"A text section"}, attachments: []string{"7DDA4_foo_9E5D72.zip"},
		warning: true},

	{file: "multipart/apple-mail-alternative-related-inline-png.eml",
		text: []string{"Test of text section"}, html: true, inlines: 1},
	{file: "multipart/thunderbird-mixed-alt-related-cp1252.eml",
		text: []string{"Search for hähä"}, html: true,
		attachments: []string{"attach2.png"}, inlines: 1},

	{file: "signed/pgp-inline-debian-security-list.eml",
		text: []string{"-----BEGIN PGP SIGNED MESSAGE-----"}, kind: VerdictList},
	{file: "signed/smime-multipart-signed.eml",
		text: []string{"test SMIME"}, attachments: []string{"smime.p7s"}},
	{file: "signed/smime-uppercase-content-type.eml",
		attachments: []string{"piece-jointe-1", "smime.p7s"}},

	// No parse-level signal marks the next two; spam scoring belongs to
	// the classify package.
	{file: "spam/de-scam-fr-domain-html-only.eml",
		text: []string{"Im Jahre 2007"}, html: true},
	{file: "spam/mx-bank-phishing-encoded-address-only-from.eml",
		// The raw From is an encoded-word followed, on a folded line, by
		// the angle-addr <notificaccion-clientes@bbva.mx>, so an addr-spec
		// is present in the raw header.
		senderAddr: "notificaccion-clientes@bbva.mx", html: true, warning: true},
	{file: "spam/fr-newsletter-bulk-related-images.eml",
		subject: "Je prépare mon été zéro complexe !", html: true, inlines: 5,
		kind: VerdictBulk},
	{file: "spam/gtube.eml", kind: VerdictSpam},

	{file: "threading/outlook-empty-in-reply-to-odd-list-id.eml",
		senderAddr: "jean.dupont@example.org", kind: VerdictList, warning: true,
		inReplyTo: []string{}},
	{file: "threading/thunderbird-reply-in-reply-to.eml",
		messageID: "473FFE27.20003@xxx.org",
		inReplyTo: []string{"348F04F142D69C21-291E56D292BC@xxxx.net"},
		references: []string{"473FF3B8.9020707@xxx.org",
			"348F04F142D69C21-291E56D292BC@xxxx.net"}},

	{file: "tnef/o365-winmail-dat-koi8r.eml",
		text: []string{"шостий"}, attachments: []string{"winmail.dat"}},

	{file: "transfer-encoding/base64-illegal-char-attachment.eml",
		text: []string{"A text section"}, attachments: []string{"some.doc"}, warning: true},
	{file: "transfer-encoding/cte-base64-on-plain-words.eml",
		text: []string{"ploozdect"}, html: true, warning: true},
	{file: "transfer-encoding/cte-quoted-printable-with-space.eml",
		text: []string{"If you're in need of a good RX site"}, html: true, warning: true},
	{file: "transfer-encoding/qp-unescaped-equals-and-raw-utf8.eml",
		senderAddr: "-", subject: noSubject,
		text: []string{"ref=od_aui_detailpages00?ie=UTF8&psc=1", "Stuffs’s Weekly Summary"}},
	{file: "transfer-encoding/single-part-base64-image-no-subject.eml",
		subject: noSubject, noText: true, attachments: []string{"screenshot.png"}},
}

func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SVED_CORPUS")
	if dir == "" {
		t.Skip("SVED_CORPUS is not set; it names the folder of real mails")
	}
	return dir
}

func TestCorpusParseAll(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .eml file under %s", dir)
	}
	covered := make(map[string]bool)
	for _, c := range corpusCases {
		covered[c.file] = true
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := Parse(raw)
		checkValidUTF8(t, rel, m)
		if !covered[rel] {
			t.Errorf("%s: no expectation in corpusCases", rel)
		}
	}
}

func TestCorpusExpectations(t *testing.T) {
	dir := corpusDir(t)
	for _, c := range corpusCases {
		t.Run(c.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(c.file)))
			if err != nil {
				t.Fatal(err)
			}
			checkCorpusCase(t, c, Parse(raw))
		})
	}
}

func checkCorpusCase(t *testing.T, c corpusCase, m *Message) {
	t.Helper()
	if c.subject != "" && m.Subject != c.subject {
		t.Errorf("Subject = %q, want %q", m.Subject, c.subject)
	}
	switch c.senderAddr {
	case "":
	case "-":
		if m.Sender.Addr != "" {
			t.Errorf("Sender.Addr = %q, want none", m.Sender.Addr)
		}
	default:
		if m.Sender.Addr != c.senderAddr {
			t.Errorf("Sender.Addr = %q, want %q", m.Sender.Addr, c.senderAddr)
		}
	}
	if c.senderName != "" && m.Sender.Name != c.senderName {
		t.Errorf("Sender.Name = %q, want %q", m.Sender.Name, c.senderName)
	}
	if c.fromCount != 0 && len(m.From) != c.fromCount {
		t.Errorf("len(From) = %d, want %d: %v", len(m.From), c.fromCount, m.From)
	}
	if c.toName != "" && (len(m.To) == 0 || m.To[0].Name != c.toName) {
		t.Errorf("To = %v, want first name %q", m.To, c.toName)
	}
	for _, want := range c.text {
		if !strings.Contains(m.Text, want) {
			t.Errorf("Text does not contain %q; Text starts %q", want, head(m.Text))
		}
	}
	if c.noText && strings.TrimSpace(m.Text) != "" {
		t.Errorf("Text = %q, want blank", head(m.Text))
	}
	if c.html && m.HTML == "" {
		t.Error("HTML is empty")
	}
	if got := partNames(m.Attachments); !slices.Equal(got, c.attachments) {
		t.Errorf("attachments = %q, want %q", got, c.attachments)
	}
	if len(m.Inlines) != c.inlines {
		t.Errorf("len(Inlines) = %d, want %d: %q", len(m.Inlines), c.inlines, partNames(m.Inlines))
	}
	if m.Automatic.Kind != c.kind {
		t.Errorf("Automatic = %+v, want kind %q", m.Automatic, c.kind)
	}
	if c.kind != VerdictNone && m.Automatic.Reason == "" {
		t.Error("Automatic.Reason is empty")
	}
	if c.warning && len(m.Warnings) == 0 {
		t.Error("no warning recorded")
	}
	if c.messageID != "" && m.MessageID != c.messageID {
		t.Errorf("MessageID = %q, want %q", m.MessageID, c.messageID)
	}
	if c.inReplyTo != nil && !slices.Equal(m.InReplyTo, c.inReplyTo) {
		t.Errorf("InReplyTo = %q, want %q", m.InReplyTo, c.inReplyTo)
	}
	if c.references != nil && !slices.Equal(m.References, c.references) {
		t.Errorf("References = %q, want %q", m.References, c.references)
	}
}

// checkValidUTF8 fails when a string field of m holds invalid UTF-8.
func checkValidUTF8(t *testing.T, name string, m *Message) {
	t.Helper()
	fields := []string{m.Subject, m.Text, m.HTML, m.MessageID, m.Sender.Name, m.Sender.Addr,
		m.Automatic.Reason}
	fields = append(fields, m.Warnings...)
	fields = append(fields, m.InReplyTo...)
	fields = append(fields, m.References...)
	for _, list := range [][]Part{m.Attachments, m.Inlines} {
		for _, p := range list {
			fields = append(fields, p.FileName, p.ContentType, p.ContentID)
		}
	}
	for key, values := range m.Header {
		fields = append(fields, key)
		fields = append(fields, values...)
	}
	for _, f := range fields {
		if !utf8.ValidString(f) {
			t.Errorf("%s: invalid UTF-8 in %q", name, f)
		}
	}
}

func partNames(parts []Part) []string {
	var names []string
	for _, p := range parts {
		names = append(names, p.FileName)
	}
	return names
}

func head(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:120])
	}
	return s
}
