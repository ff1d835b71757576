package message

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeWords(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"=?utf-8?q?caf=C3=A9?=", "café"},
		{"=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=", "éé"},
		// A character split across two words comes out whole.
		{"=?utf-8?Q?=C3?= =?utf-8?Q?=A9t=C3?=\r\n =?utf-8?Q?=A9?=", "été"},
		{"=?utf-8?Q?a?=\r\n =?utf-8?Q?b?=", "ab"},
		{"Re: =?iso-8859-1?Q?=E9t=E9?= suite", "Re: été suite"},
		{`"=?windows-1252?B?Rm9ybWHn428=?="`, `"Formação"`},
		{"=?iso-8859-1?Q?l=92avenue?=", "l’avenue"},
		{"=?NONE?B?VEVTVA=?=", "TEST"},
		{"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
		{"=?broken", "=?broken"},
		{"a =? b ?= c", "a =? b ?= c"},
	}
	for _, c := range cases {
		if got, _ := decodeWords(c.in); got != c.want {
			t.Errorf("decodeWords(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRawFileName(t *testing.T) {
	cases := []struct{ disposition, contentType, want string }{
		{`attachment; filename="a b.pdf"`, "", "a b.pdf"},
		{"attachment", `application/pdf; name="n.pdf"`, "n.pdf"},
		{`attachment; filename*=utf-8''caf%C3%A9.txt`, "", "café.txt"},
		{`attachment; filename*0*=utf-8''d%C3%A9; filename*1="but.txt"`, "", "début.txt"},
		{`attachment; filename*=iso-8859-1'fr'%E9t%E9.doc`, "", "été.doc"},
		{`attachment; filename= "=?utf-8?Q?r=C3=A9sum=C3=A9.?= =?utf-8?Q?pdf?="; size=3`, "", "résumé.pdf"},
		{"attachment; filename=r\xe9sum\xe9.doc", "", "résumé.doc"},
		{"", "application/octet-stream; name=\"\xb9\xdc\xc0\xed.txt\"", "管理.txt"},
		{`attachment; filename="a\"b.txt"`, "", `a"b.txt`},
		{"attachment", "", ""},
	}
	for _, c := range cases {
		if got := rawFileName(c.disposition, c.contentType); got != c.want {
			t.Errorf("rawFileName(%q, %q) = %q, want %q", c.disposition, c.contentType, got, c.want)
		}
	}
}

func TestSanitizeFileName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf"
	cases := []struct{ in, ctype, want string }{
		{"../../etc/passwd", "", "_.._etc_passwd"},
		{`C:\temp\x.doc`, "", "C:_temp_x.doc"},
		{".htaccess", "", "htaccess"},
		{"a\x00b\u202Ecod.exe", "", "abcod.exe"},
		{"  \t ", "application/pdf", "piece-jointe-3.pdf"},
		{"", "application/x-unknown", "piece-jointe-3"},
		{"rapport.", "", "rapport"},
	}
	for _, c := range cases {
		if got := sanitizeFileName(c.in, 3, c.ctype); got != c.want {
			t.Errorf("sanitizeFileName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	got := sanitizeFileName(long, 1, "")
	if len(got) > maxFileNameBytes || !strings.HasSuffix(got, ".pdf") {
		t.Errorf("sanitizeFileName(long) = %d bytes ending %q", len(got), got[len(got)-6:])
	}
}

func TestParseAddressList(t *testing.T) {
	cases := []struct {
		raw      string
		want     string // addresses joined by ", "
		strictOK bool
	}{
		{"Jean <Jean.Dupont@Exemple.FR>", "Jean <Jean.Dupont@exemple.fr>", true},
		{`"=?utf-8?Q?H=C3=A9l=C3=A8ne?=" <h@x.fr>`, "Hélène <h@x.fr>", true},
		{"a@x.fr b@y.fr", "a@x.fr, b@y.fr", false},
		{"a@x.fr,", "a@x.fr", false},
		{"=?utf-8?B?YUBiLmZy?=", "", false},
		{"=?utf-8?Q?a@b.fr?=", "", false},
		{"=?x-unknown?Q?Bob?= <bob@x.fr>", "Bob <bob@x.fr>", false},
		{"Jean (mairie) <j@x.fr>, Marie <m@x.fr>", "Jean <j@x.fr>, Marie <m@x.fr>", true},
		{"x <a@b.fr?=>", "a@b.fr", false},
	}
	for _, c := range cases {
		list, ok := parseAddressList(c.raw)
		var got []string
		for _, a := range list {
			got = append(got, a.String())
		}
		if strings.Join(got, ", ") != c.want {
			t.Errorf("parseAddressList(%q) = %q, want %q", c.raw, strings.Join(got, ", "), c.want)
		}
		if ok != c.strictOK && c.strictOK {
			t.Errorf("parseAddressList(%q) ok = %v, want %v", c.raw, ok, c.strictOK)
		}
	}
}

func TestParseMsgIDs(t *testing.T) {
	cases := []struct {
		values []string
		want   string
		broken bool
	}{
		{[]string{"<a@b>"}, "a@b", false},
		{[]string{""}, "", false},
		{[]string{"<a@b> <c@d>", "<a@b>"}, "a@b c@d", false},
		{[]string{"<a@b>, <bro ken@x>"}, "a@b", true},
		{[]string{"<a@b> <unterminated"}, "a@b", true},
		{[]string{"bare@id.example"}, "bare@id.example", false},
		{[]string{"<a@b> (comment <x@y>)"}, "a@b", false},
		{[]string{"<>"}, "", true},
	}
	for _, c := range cases {
		ids, broken := parseMsgIDs(c.values)
		if strings.Join(ids, " ") != c.want || broken != c.broken {
			t.Errorf("parseMsgIDs(%q) = %q, %v; want %q, %v", c.values, ids, broken, c.want, c.broken)
		}
	}
}

func TestParseDate(t *testing.T) {
	for _, v := range []string{
		"Mon, 3 Mar 2025 10:15:00 +0100",
		"Mon, 3 Mar 2025 10:15:00 +0100 (CET)",
		"3 Mar 2025 10:15:00 +0100",
		"Mon Mar  3 10:15:00 2025",
	} {
		if d, ok := parseDate(v); !ok || d.IsZero() {
			t.Errorf("parseDate(%q) = %v, %v", v, d, ok)
		}
	}
	if d, ok := parseDate("not a date"); ok || !d.IsZero() {
		t.Errorf("parseDate(junk) = %v, %v; want zero, false", d, ok)
	}
	if d, ok := parseDate(""); !ok || !d.IsZero() {
		t.Errorf("parseDate(empty) = %v, %v; want zero, true", d, ok)
	}
}

func TestRepairUTF8(t *testing.T) {
	cases := []struct{ in, want string }{
		{"déjà", "déjà"},
		{"d\xe9j\xe0", "déjà"},
		{"\xb9\xdc\xc0\xed", "管理"},
		{"Ю\xf1", "Юñ"},
		{"\x81", "\uFFFD"},
	}
	for _, c := range cases {
		if got := repairUTF8([]byte(c.in)); got != c.want {
			t.Errorf("repairUTF8(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDecodeLenientQP(t *testing.T) {
	in := "caf=C3=A9 ?ie=UTF8&x=1 soft=\r\nbreak=\nend=  \nok="
	want := "café ?ie=UTF8&x=1 softbreakendok"
	if got := string(decodeLenientQP([]byte(in))); got != want {
		t.Errorf("decodeLenientQP = %q, want %q", got, want)
	}
}

func TestTransferEncoding(t *testing.T) {
	cases := []struct {
		in      string
		want    string
		guessed bool
	}{
		{"Base64", "base64", false},
		{"quoted printable", "quoted-printable", true},
		{"Quoted_Printable", "quoted-printable", true},
		{"7Bit", "7bit", false},
		{"x-uuencode", "", true},
	}
	for _, c := range cases {
		got, guessed := transferEncoding(c.in)
		if got != c.want || guessed != c.guessed {
			t.Errorf("transferEncoding(%q) = %q, %v; want %q, %v", c.in, got, guessed, c.want, c.guessed)
		}
	}
}

func TestAutomaticVerdict(t *testing.T) {
	const base = "From: Jean <jean@exemple.fr>\r\nTo: mairie@commune.example\r\n"
	cases := []struct {
		name   string
		header string
		body   string
		want   VerdictKind
	}{
		{"ordinary", "Subject: Demande\r\n", "Bonjour", VerdictNone},
		{"auto-submitted no", "Auto-Submitted: No\r\nSubject: x\r\n", "", VerdictNone},
		{"auto-submitted params", "Auto-Submitted: Auto-Generated (vacation)\r\n", "", VerdictAutoReply},
		{"suppress alone", "X-Auto-Response-Suppress: All\r\nSubject: Absence de ramassage\r\n", "", VerdictNone},
		{"absence subject alone", "Subject: Absence : école fermée\r\n", "", VerdictNone},
		{"subject with null return path", "Return-Path: <>\r\nSubject: Out of Office: x\r\n", "", VerdictAutoReply},
		{"subject with thread topic", "Subject: Réponse automatique : Permis\r\nThread-Topic: Permis\r\n", "", VerdictAutoReply},
		{"subject with other thread topic", "Subject: Réponse automatique : Permis\r\nThread-Topic: Autre\r\n", "", VerdictNone},
		{"absence du bureau with empty return path", "Subject: Absence du bureau : Permis\r\nReturn-Path: <>\r\n", "", VerdictAutoReply},
		{"message d'absence with inbox rule", "Subject: Message d'absence\r\nX-MS-Exchange-Inbox-Rules-Loop: a@b.fr\r\n", "", VerdictAutoReply},
		{"x-autorespond", "X-Autorespond: Vacation\r\n", "", VerdictAutoReply},
		{"x-autoreply no", "X-Autoreply: no\r\n", "", VerdictNone},
		{"x-autogenerated", "X-Autogenerated: Reply\r\n", "", VerdictAutoReply},
		{"precedence auto_reply", "Precedence: auto_reply\r\n", "", VerdictAutoReply},
		{"list-id", "List-Id: <l.example>\r\n", "", VerdictList},
		{"unsubscribe alone", "List-Unsubscribe: <mailto:u@l.example>\r\n", "", VerdictNone},
		{"unsubscribe and post", "List-Unsubscribe: <mailto:u@l>\r\nList-Post: <mailto:p@l>\r\n", "", VerdictList},
		{"x-mailing-list", "X-Mailing-List: <l@example>\r\n", "", VerdictList},
		{"precedence bulk", "Precedence: BULK\r\n", "", VerdictBulk},
		{"precedence list", "Precedence: list\r\n", "", VerdictBulk},
		{"spam flag", "X-Spam-Flag: YES\r\n", "", VerdictSpam},
		{"spam status no", "X-Spam-Status: No, score=1\r\n", "", VerdictNone},
		{"spam status yes", "X-Spam-Status: Yes, score=9\r\n", "", VerdictSpam},
		{"gtube", "", "x " + gtube, VerdictSpam},
		{"subject tag", "Subject: ***SPAM*** promo\r\n", "", VerdictSpam},
		{"dsn content type", "Content-Type: message/delivery-status\r\n", "", VerdictBounce},
		{"failed recipients without daemon", "X-Failed-Recipients: a@b\r\n", "", VerdictNone},
		{"dmarc subject", "Subject: Report Domain: exemple.fr Submitter: google.com Report-ID: 1\r\n", "", VerdictBulk},
		{"mdn", "Content-Type: multipart/report; report-type=\"disposition-notification\"; boundary=b\r\n",
			"--b\r\nContent-Type: text/plain\r\n\r\nlu\r\n--b--\r\n", VerdictReadReceipt},
		{"bounce before auto-reply", "Auto-Submitted: auto-replied\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
			"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", VerdictBounce},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Parse([]byte(base + c.header + "\r\n" + c.body))
			if m.Automatic.Kind != c.want {
				t.Errorf("Automatic = %+v, want kind %q", m.Automatic, c.want)
			}
		})
	}
}

func TestMailerDaemonBounce(t *testing.T) {
	raw := "From: MAILER-DAEMON@mx.example\r\nX-Failed-Recipients: a@b.example\r\n" +
		"Subject: Mail delivery failed\r\n\r\nfailed\r\n"
	m := Parse([]byte(raw))
	if m.Automatic.Kind != VerdictBounce {
		t.Errorf("Automatic = %+v, want bounce", m.Automatic)
	}
}

func TestIsNullSender(t *testing.T) {
	for in, want := range map[string]bool{"": true, "<>": true, " < > ": true, "<a@b>": false, "a@b": false} {
		if got := IsNullSender(in); got != want {
			t.Errorf("IsNullSender(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParseKeepsRawVerbatim(t *testing.T) {
	raw := []byte("  \nFrom: a@b.example\nSubject: x\n\nbody\n")
	m := Parse(raw)
	if string(m.Raw) != string(raw) {
		t.Errorf("Raw = %q, want the input unchanged", m.Raw)
	}
	if m.Sender.Addr != "a@b.example" {
		t.Errorf("Sender.Addr = %q", m.Sender.Addr)
	}
}

func TestParseFallback(t *testing.T) {
	// enmime rejects a multipart tree deeper than it allows parts for;
	// MaxMIMEParts is its default of 10000, so build one beyond it.
	var b strings.Builder
	b.WriteString("From: a@b.example\r\nSubject: =?utf-8?Q?tr=C3=A8s_long?=\r\n" +
		"Content-Type: multipart/mixed; boundary=z\r\n\r\n")
	for i := 0; i < 10002; i++ {
		b.WriteString("--z\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	b.WriteString("--z--\r\n")
	m := Parse([]byte(b.String()))
	if m.Subject != "très long" {
		t.Errorf("Subject = %q", m.Subject)
	}
	if m.Sender.Addr != "a@b.example" {
		t.Errorf("Sender.Addr = %q", m.Sender.Addr)
	}
	if !strings.Contains(m.Text, "Content-Type: text/plain") {
		t.Error("Text does not hold the raw message")
	}
	if len(m.Warnings) == 0 || !strings.Contains(m.Warnings[0], "MIME structure could not be read") {
		t.Errorf("Warnings = %q", m.Warnings)
	}
}

func TestHTMLOnlyKeepsLongURL(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(mailDir, "html-only.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m := Parse(raw)
	url := "https://www.service-public.example/particuliers/vosdroits/F1234?xtor=RSS-1234567890" +
		"&param=abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"
	if !strings.Contains(m.Text, url) {
		t.Errorf("Text = %q, want the whole URL", m.Text)
	}
}

func TestPartContentAndHash(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(mailDir, "french-request-pdf.eml"))
	if err != nil {
		t.Fatal(err)
	}
	m := Parse(raw)
	if len(m.Attachments) == 0 {
		t.Fatal("no attachment")
	}
	pdf := m.Attachments[0]
	if string(pdf.Content) != "%PDF-1.7 formulaire" {
		t.Errorf("Content = %q", pdf.Content)
	}
	if pdf.Size() != int64(len("%PDF-1.7 formulaire")) {
		t.Errorf("Size = %d", pdf.Size())
	}
	sum := sha256.Sum256([]byte("%PDF-1.7 formulaire"))
	if pdf.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256 = %q, want the hash of the content", pdf.SHA256)
	}
	if len(m.Inlines) != 1 || m.Inlines[0].ContentID != "logo@exemple.fr" {
		t.Errorf("Inlines = %+v", m.Inlines)
	}
}

func TestTextAttachmentKeepsBytes(t *testing.T) {
	raw := "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n" +
		"--z\r\nContent-Type: text/plain\r\n\r\nvoir pièce\r\n" +
		"--z\r\nContent-Type: text/csv; charset=iso-8859-1\r\n" +
		"Content-Disposition: attachment; filename=liste.csv\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nbm9tO3ZpbGxlCkzpYTtQYXJpcwo=\r\n--z--\r\n"
	m := Parse([]byte(raw))
	if len(m.Attachments) != 1 {
		t.Fatalf("Attachments = %+v", m.Attachments)
	}
	if got := string(m.Attachments[0].Content); got != "nom;ville\nL\xe9a;Paris\n" {
		t.Errorf("Content = %q, want the Latin-1 bytes as sent", got)
	}
}
