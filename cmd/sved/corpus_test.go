package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusCase is one real-world mail and what sved must send for it.
type corpusCase struct {
	file string
	// envelopeFrom is the MAIL FROM swaks uses; "" is the null sender.
	envelopeFrom string
	// aeeTo is the requester that gets the AEE, "" for none.
	aeeTo   string
	forward bool
}

// corpusSample is twenty mails of the corpus, sent the way an MTA would
// send them. The expectations were written from reading each file.
var corpusSample = []corpusCase{
	{"charset/fr-outlook365-latin1-qp-reply.eml", "firstname.name@groupe-company.com", "firstname.name@groupe-company.com", true},
	{"charset/iso-8859-15-mixed-case-labels.eml", "alice.lahettaja@example.com", "alice.lahettaja@example.com", true},
	{"client-shapes/gmail-empty-body-attachment-fr-subject.eml", "name@company.com", "name@company.com", true},
	{"client-shapes/iphone-leading-whitespace-line.eml", "someone@somewhere.com", "someone@somewhere.com", true},
	{"multipart/thunderbird-mixed-alt-related-cp1252.eml", "test@example.com", "test@example.com", true},
	{"multipart/apple-mail-alternative-related-inline-png.eml", "jean.dupont@example.org", "jean.dupont@example.org", true},
	{"forwards/zimbra-fwd-html-only-plus-rfc822.eml", "example@example.com", "example@example.com", true},
	{"attachments/rfc2231-utf8-filename-arabic-odt.eml", "claire.exemple@example.org", "claire.exemple@example.org", true},
	{"attachments/apple-raw-utf8-filename-unquoted.eml", "foo@example.com", "foo@example.com", true},
	{"signed/smime-multipart-signed.eml", "user@james.org", "user@james.org", true},
	{"calendar/exchange2010-invite-in-alternative.eml", "newsletter@finntack.com", "newsletter@finntack.com", true},
	{"long-lines/plain-very-long-lines.eml", "foo@example.com", "foo@example.com", true},
	{"tnef/o365-winmail-dat-koi8r.eml", "rrtest1@xink.io", "rrtest1@xink.io", true},
	// No address in From: forwarded to the service, nobody to acknowledge.
	{"encoded-words/unknown-charset-bad-padding-no-sender.eml", "unknown@example.net", "", true},
	// Automatic mail: stored, neither answered nor forwarded.
	{"auto-replies/plain-rfc3834-away.eml", "someone@example.org", "", false},
	{"auto-replies/exchange-automatic-reply-cp1252.eml", "someone@example.org", "", false},
	{"bounces/fr-exchange-ndr-mairie-latin1.eml", "", "", false},
	{"bounces/mdn-read-receipt.eml", "someone@example.org", "", false},
	{"mailing-lists/fr-sympa-frnog-double-encoded-utf8.eml", "list-bounces@example.org", "", false},
	{"spam/gtube.eml", "spammer@example.net", "", false},
}

// TestCorpusOverSMTP sends the sample with swaks to a running daemon and
// checks the dossiers and the mails, file by file.
func TestCorpusOverSMTP(t *testing.T) {
	corpus := os.Getenv("SVED_CORPUS")
	if corpus == "" {
		t.Skip("SVED_CORPUS is unset: set it to the folder of real-world mails to run this test")
	}
	e := newEnv(t, "")
	d := e.serve()

	wantFiles := 0
	refs := make([]string, len(corpusSample))
	for i, c := range corpusSample {
		out, err := d.swaks(t, "--from", c.envelopeFrom, "--to", "contact@mairie-saint-exemple.fr",
			"--data", "@"+filepath.Join(corpus, c.file))
		if err != nil {
			t.Fatalf("%s: swaks: %v\n%s", c.file, err, out)
		}
		refs[i] = refsOf(t, out)[0]
		if c.aeeTo != "" {
			wantFiles++
		}
		if c.forward {
			wantFiles++
		}
	}
	waitFiles(t, e.outbox(), wantFiles)

	for i, c := range corpusSample {
		t.Run(c.file, func(t *testing.T) {
			show := e.mustCLI("dossiers", "show", refs[i])
			hasAEE := strings.Contains(show, "- aee to ")
			if c.aeeTo != "" && !strings.Contains(show, "- aee to "+c.aeeTo) {
				t.Errorf("no AEE to %s:\n%s", c.aeeTo, show)
			}
			if c.aeeTo == "" && hasAEE {
				t.Errorf("an AEE was sent:\n%s", show)
			}
			if hasForward := strings.Contains(show, "- forward to "); hasForward != c.forward {
				t.Errorf("forward sent = %v, want %v:\n%s", hasForward, c.forward, show)
			}
			if !c.forward && !strings.Contains(show, "State:") {
				t.Errorf("show output lacks the state:\n%s", show)
			}
		})
	}

	list := e.mustCLI("dossiers", "list")
	if n := strings.Count(list, "SAINTEX-"); n != len(corpusSample) {
		t.Errorf("dossiers list shows %d dossiers, want %d:\n%s", n, len(corpusSample), list)
	}
}
