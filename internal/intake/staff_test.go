package intake

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

const staffConfig = `
hostname: mx.test.invalid
collectivites:
  - id: ville
    name: Ville de Test
    prefix: VILLE
    from: "Mairie de Test <contact@ville.example.fr>"
    reply:
      domain: reponse.ville.example.fr
    staff: ["@ville.example.fr"]
    trusted_authserv_ids: [mx.ville.example.fr]
    intake:
      - address: contact@ville.example.fr
        service: accueil
      - address: urbanisme@ville.example.fr
        nature: cu
      - address: etat-civil@ville.example.fr
        nature: acte
    services:
      - {id: accueil, name: Accueil, mailbox: accueil@ville.example.fr, phone: "01 00 00 00 01"}
      - {id: urbanisme, name: Urbanisme, mailbox: urba@ville.example.fr, phone: "01 00 00 00 02",
         postal_address: "1 place de la Mairie, 99000 Ville"}
      - {id: etat-civil, name: État civil, mailbox: ec@ville.example.fr}
    natures:
      - {id: info, label: Demande d'information, service: accueil, regime: aucun}
      - {id: cu, label: Certificat d'urbanisme, service: urbanisme, regime: accord, delai: 2m}
      - {id: acte, label: Copie d'acte, service: etat-civil, regime: rejet, delai: 1m}
`

// replySeq numbers the Message-IDs of the test replies.
var replySeq atomic.Int64

type staffFixture struct {
	*fixture
	now time.Time
}

// newStaffFixture stores nothing yet; its clock is Monday 4 January 2027
// at 10:00 in Paris.
func newStaffFixture(t *testing.T) *staffFixture {
	t.Helper()
	cfg, err := config.Parse([]byte(staffConfig))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	now := time.Date(2027, 1, 4, 10, 0, 0, 0, paris)
	st, err := store.Open(filepath.Join(t.TempDir(), "sved.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := notify.New(cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	p := New(func() *config.Config { return cfg }, st, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	p.now = func() time.Time { return now }
	return &staffFixture{fixture: &fixture{p: p, store: st, cfg: cfg}, now: now}
}

// request stores a request of jeanne@example.org to rcpt and returns
// its dossier.
func (f *staffFixture) request(t *testing.T, rcpt string) *dossier.Dossier {
	t.Helper()
	raw := "From: Jeanne Martin <jeanne@example.org>\r\nTo: " + rcpt + "\r\nSubject: Ma demande\r\n" +
		"Message-ID: <req-" + rcpt + "@example.org>\r\n\r\nBonjour, voici ma demande.\r\n"
	res := f.deliver(t, "jeanne@example.org", []string{rcpt}, raw)
	d, err := f.store.Get(res[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// reply delivers a message from sender to d's reply address, with body
// and extra header lines, and returns the dossier afterwards.
func (f *staffFixture) reply(t *testing.T, d *dossier.Dossier, sender, subject, body, headers string) *dossier.Dossier {
	t.Helper()
	if sender == agent && headers == "" {
		headers = authenticated
	}
	raw := headers + "From: " + sender + "\r\nTo: " + d.ReplyAddress + "\r\nSubject: " + subject + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n" +
		"Message-ID: <reply-" + strconv.Itoa(int(replySeq.Add(1))) + "@example.org>\r\n\r\n" + body + "\r\n"
	res := f.deliver(t, sender, []string{d.ReplyAddress}, raw)
	if len(res) != 1 || res[0].Ref != d.Ref || !res[0].Added {
		t.Fatalf("reply went to %+v, want dossier %s", res, d.Ref)
	}
	got, err := f.store.Get(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// letters returns the mails of d queued after the first n, as kind and
// recipient, with their text.
func (f *staffFixture) letters(t *testing.T, ref string, n int) ([]string, []string) {
	t.Helper()
	mails, err := f.store.Mails(ref)
	if err != nil {
		t.Fatal(err)
	}
	var kinds, texts []string
	for _, m := range mails[min(n, len(mails)):] {
		kinds = append(kinds, m.Kind+" "+strings.Join(m.Recipients, ","))
		raw, err := f.store.MailRaw(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, strings.Join(strings.Fields(message.Parse(raw).Text), " "))
	}
	return kinds, texts
}

func journalKinds(t *testing.T, st *store.Store, ref string) []dossier.EventKind {
	t.Helper()
	events, err := st.Journal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := dossier.VerifyChain(events); err != nil {
		t.Errorf("journal of %s: %v", ref, err)
	}
	var kinds []dossier.EventKind
	for _, e := range events {
		kinds = append(kinds, e.Kind)
	}
	return kinds
}

const agent = "Agent Urba <agent@ville.example.fr>"

// authenticated is the result that the trusted receiving server writes
// for a staff reply signed by the commune's domain.
const authenticated = "Authentication-Results: mx.ville.example.fr; dkim=pass header.d=ville.example.fr\r\n"

func TestStaffPiecesThenRegister(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	if d.Service != "urbanisme" || d.ImplicitDecision.String() != "2027-03-04" {
		t.Fatalf("dossier service %s, decision %s", d.Service, d.ImplicitDecision)
	}

	d = f.reply(t, d, agent, "RE: ["+d.Ref+"] Ma demande",
		"#pieces\n- plan de situation\n- justificatif de propriété\ndélai 15 jours\n\n"+
			"Bonjour Madame,\nil manque deux pièces.\nAgent Urba\nagent@ville.example.fr\n\n"+
			"Le lundi 4 janvier, Mairie a écrit :\n> Nouvelle demande", "")
	kinds, texts := f.letters(t, d.Ref, 2)
	if !slices.Equal(kinds, []string{"pieces jeanne@example.org"}) {
		t.Fatalf("letters after #pieces = %v", kinds)
	}
	for _, want := range []string{"plan de situation", "justificatif de propriété", "15 jours",
		"mardi 19 janvier 2027", "ne court qu'à compter de la réception", "il manque deux pièces",
		"[adresse interne]"} {
		if !strings.Contains(texts[0], want) {
			t.Errorf("pieces letter lacks %q:\n%s", want, texts[0])
		}
	}
	if strings.Contains(texts[0], "agent@ville.example.fr") || strings.Contains(texts[0], "Nouvelle demande") {
		t.Errorf("pieces letter shows an internal address or the quoted forward:\n%s", texts[0])
	}
	if !d.ImplicitDecision.IsZero() || d.PendingPieces() == nil || d.State != dossier.StateReceived {
		t.Errorf("after #pieces: decision %s, pending %v, state %s", d.ImplicitDecision, d.PendingPieces(), d.State)
	}

	// The requester sends the pieces: the clock restarts in full.
	d = f.reply(t, d, "Jeanne Martin <jeanne@example.org>", "Re: pièces", "Voici les pièces.", "")
	if d.PendingPieces() != nil || d.ImplicitDecision.String() != "2027-03-04" {
		t.Errorf("after the pieces: pending %v, decision %s", d.PendingPieces(), d.ImplicitDecision)
	}
	kinds, texts = f.letters(t, d.Ref, 3)
	if !slices.Equal(kinds, []string{"complement urba@ville.example.fr"}) ||
		!strings.Contains(texts[0], "répond à la demande de pièces : le délai de la décision implicite court de nouveau et expire le jeudi 4 mars 2027") {
		t.Errorf("letters after the pieces = %v\n%v", kinds, texts)
	}
	_, texts = f.letters(t, d.Ref, 1)
	if !strings.Contains(texts[0], "Nature : Certificat d'urbanisme (silence vaut accord, décision implicite à l'expiration du jeudi 4 mars 2027)") {
		t.Errorf("forward lacks the nature and its decision:\n%s", texts[0])
	}

	d = f.reply(t, d, agent, "RE: ["+d.Ref+"] Ma demande", "#Enregistrer\n\nVotre dossier est complet.", "")
	kinds, texts = f.letters(t, d.Ref, 4)
	if !slices.Equal(kinds, []string{"are jeanne@example.org"}) || d.State != dossier.StateRegistered {
		t.Fatalf("after #enregistrer: letters %v, state %s", kinds, d.State)
	}
	for _, want := range []string{"lundi 4 janvier 2027 à 10 h 00", d.Ref, "Urbanisme", d.ReplyAddress,
		"01 00 00 00 02", "1 place de la Mairie", "réputée acceptée à l'expiration du jeudi 4 mars 2027",
		"L232-3", "Votre dossier est complet."} {
		if !strings.Contains(texts[0], want) {
			t.Errorf("ARE lacks %q:\n%s", want, texts[0])
		}
	}

	d = f.reply(t, d, agent, "RE: ["+d.Ref+"] Ma demande", "Bonjour,\nle certificat est en cours de signature.", "")
	kinds, texts = f.letters(t, d.Ref, 5)
	if !slices.Equal(kinds, []string{"reply jeanne@example.org"}) || d.AnsweredAt.IsZero() {
		t.Errorf("plain reply: letters %v, answered at %v", kinds, d.AnsweredAt)
	}
	if !strings.Contains(texts[0], "le certificat est en cours de signature.") {
		t.Errorf("relayed reply:\n%s", texts[0])
	}

	want := []dossier.EventKind{
		dossier.EventReceived, dossier.EventMailQueued, dossier.EventMailQueued,
		dossier.EventMessageAdded, dossier.EventPiecesRequested, dossier.EventMailQueued,
		dossier.EventMessageAdded, dossier.EventPiecesReceived, dossier.EventMailQueued,
		dossier.EventMessageAdded, dossier.EventRegistered, dossier.EventMailQueued,
		dossier.EventMessageAdded, dossier.EventReplyRelayed, dossier.EventMailQueued,
	}
	if got := journalKinds(t, f.store, d.Ref); !slices.Equal(got, want) {
		t.Errorf("journal = %v\nwant      %v", got, want)
	}
}

func TestStaffRejectedCommands(t *testing.T) {
	tests := []struct {
		name, rcpt, body string
		problem          string
	}{
		{"unknown command", "urbanisme@ville.example.fr", "#valider\n\nTexte", "valider"},
		{"register unqualified", "contact@ville.example.fr", "#enregistrer", "#nature ID"},
		{"register without phone", "etat-civil@ville.example.fr", "#enregistrer", "téléphone"},
		{"unknown nature", "contact@ville.example.fr", "#nature urbanism\n#enregistrer", "nature inconnue"},
		{"attestation too early", "urbanisme@ville.example.fr", "#attestation", "n'est pas possible"},
		{"close without answer", "urbanisme@ville.example.fr", "#clore", "aucune réponse expresse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStaffFixture(t)
			d := f.request(t, tt.rcpt)
			after := f.reply(t, d, agent, "RE: ["+d.Ref+"] Ma demande", tt.body, "")
			kinds, texts := f.letters(t, d.Ref, 2)
			if !slices.Equal(kinds, []string{"staff_error agent@ville.example.fr"}) {
				t.Fatalf("letters = %v, want one staff error reply", kinds)
			}
			if !strings.Contains(texts[0], tt.problem) || !strings.Contains(texts[0], "#transmettre") {
				t.Errorf("staff error reply lacks %q or the command list:\n%s", tt.problem, texts[0])
			}
			if after.State != d.State || after.Nature != d.Nature {
				t.Errorf("rejected reply changed the dossier: state %s, nature %s", after.State, after.Nature)
			}
			if got := journalKinds(t, f.store, d.Ref); got[len(got)-2] != dossier.EventRejected {
				t.Errorf("journal = %v, want command_rejected", got)
			}
		})
	}
}

func TestStaffQualifyRefuseTransfer(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "contact@ville.example.fr")
	d = f.reply(t, d, agent, "RE: ["+d.Ref+"]", "#nature acte\n#note à voir avec le maire", "")
	kinds, _ := f.letters(t, d.Ref, 2)
	if d.Nature != "acte" || d.Service != "etat-civil" || d.ImplicitDecision.String() != "2027-02-04" ||
		!slices.Equal(kinds, []string{"forward ec@ville.example.fr"}) {
		t.Errorf("after #nature: nature %s, service %s, decision %s, letters %v", d.Nature, d.Service,
			d.ImplicitDecision, kinds)
	}

	d = f.reply(t, d, agent, "RE: ["+d.Ref+"]", "#transmettre prefecture@example.gouv.fr relève de l'État\n\n"+
		"Nous transmettons votre demande.", "")
	kinds, texts := f.letters(t, d.Ref, 3)
	if d.State != dossier.StateTransferred || !slices.Equal(kinds,
		[]string{"transfer prefecture@example.gouv.fr", "transfer_notice jeanne@example.org"}) {
		t.Fatalf("after #transmettre: state %s, letters %v", d.State, kinds)
	}
	if !strings.Contains(texts[1], "prefecture@example.gouv.fr") || !strings.Contains(texts[1], "L114-2") {
		t.Errorf("transfer notice:\n%s", texts[1])
	}
	mails, _ := f.store.Mails(d.Ref)
	raw, _ := f.store.MailRaw(mails[3].ID)
	if !strings.Contains(string(raw), d.Ref+".eml") {
		t.Error("transfer lacks the original request attached")
	}
	due, err := f.store.DueBefore(mustDate(t, "2999-01-01"))
	if err != nil || len(due) != 0 {
		t.Errorf("a transferred dossier still has due dates: %v", due)
	}

	refused := f.request(t, "urbanisme@ville.example.fr")
	refused = f.reply(t, refused, agent, "RE: ["+refused.Ref+"]", "#refuser demande en double", "")
	kinds, texts = f.letters(t, refused.Ref, 2)
	if refused.State != dossier.StateRefused || !slices.Equal(kinds, []string{"refusal jeanne@example.org"}) ||
		!strings.Contains(texts[0], "Motif : demande en double") {
		t.Errorf("after #refuser: state %s, letters %v\n%v", refused.State, kinds, texts)
	}
}

func TestSuspiciousMessages(t *testing.T) {
	forged := "Authentication-Results: mx.ville.example.fr; spf=fail smtp.mailfrom=attaquant.example; " +
		"dkim=none; dmarc=fail header.from=ville.example.fr\r\n"
	tests := []struct {
		name, sender, subject, headers, reason string
	}{
		{"forged staff From", agent, "RE: demande", forged, "pas authentifiée"},
		{"reference of another dossier", agent, "RE: [VILLE-2027-000099] demande", "", "VILLE-2027-000099"},
		{"stranger with a valid token", "Inconnu <inconnu@example.net>", "RE: demande", "", "ni le demandeur ni un agent"},
		{"staff From without trusted results", agent, "RE: demande", "X-Nothing: 1\r\n", "pas authentifiée"},
		{"forged requester From", "Jeanne Martin <jeanne@example.org>", "Re: pièces",
			"Authentication-Results: mx.ville.example.fr; spf=fail smtp.mailfrom=evil.example; dmarc=fail header.from=example.org\r\n",
			"l'adresse du demandeur"},
		{"trusted results below a second Received", agent, "RE: demande",
			"Received: from mx.ville.example.fr\r\nReceived: from relay.example.net\r\n" + authenticated, "pas authentifiée"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newStaffFixture(t)
			d := f.request(t, "urbanisme@ville.example.fr")
			after := f.reply(t, d, tt.sender, tt.subject, "#enregistrer\n\nAccordé.", tt.headers)
			kinds, texts := f.letters(t, d.Ref, 2)
			if !slices.Equal(kinds, []string{"suspicious urba@ville.example.fr"}) {
				t.Fatalf("letters = %v, want only the report to the service", kinds)
			}
			if !strings.Contains(texts[0], tt.reason) || !strings.Contains(texts[0], "#enregistrer") {
				t.Errorf("report lacks %q or the message:\n%s", tt.reason, texts[0])
			}
			if after.State != dossier.StateReceived {
				t.Errorf("suspicious message moved the dossier to %s", after.State)
			}
			msgs, _ := f.store.Messages(d.Ref)
			got := journalKinds(t, f.store, d.Ref)
			if len(msgs) != 2 || !slices.Contains(got, dossier.EventSuspicious) {
				t.Errorf("%d messages, journal %v", len(msgs), got)
			}
		})
	}
}

func TestStaffOutOfOfficeNotRelayed(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	f.reply(t, d, agent, "Réponse automatique : absent", "Je suis absent jusqu'au 11 janvier.", "")
	f.reply(t, d, agent, "Absence", "Absent.", "Auto-Submitted: auto-replied\r\n")
	if kinds, _ := f.letters(t, d.Ref, 2); len(kinds) != 0 {
		t.Errorf("out-of-office replies sent %v", kinds)
	}
}

func TestThreadingByHeadersAndSubject(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	mails, _ := f.store.Mails(d.Ref)
	aee := mails[0].MessageID

	reply := func(from, subject, headers string) []Result {
		raw := "From: " + from + "\r\nTo: urbanisme@ville.example.fr\r\nSubject: " + subject + "\r\n" + headers +
			"Message-ID: <" + strings.ReplaceAll(from+subject, " ", "") + "@example.org>\r\n\r\nSuite.\r\n"
		return f.deliver(t, "x@example.org", []string{"urbanisme@ville.example.fr"}, raw)
	}
	// A reply to the AEE from the requester joins the dossier.
	if res := reply("jeanne@example.org", "Re: Accusé", "In-Reply-To: <"+aee+">\r\n"); !res[0].Added || res[0].Ref != d.Ref {
		t.Errorf("reply by In-Reply-To: %+v", res)
	}
	// Outlook rewrote the ids: the reference in the subject finds it.
	if res := reply("Jeanne <JEANNE@example.org>", "RE: ["+d.Ref+"] Accusé",
		"In-Reply-To: <rewritten@outlook.example>\r\n"); !res[0].Added || res[0].Ref != d.Ref {
		t.Errorf("reply by subject: %+v", res)
	}
	// Someone else who answers the same mail opens a dossier of their own.
	if res := reply("paul@example.org", "Re: Accusé ["+d.Ref+"]", "References: <"+aee+">\r\n"); res[0].Added || res[0].Ref == d.Ref {
		t.Errorf("other requester threaded: %+v", res)
	}
	// An empty In-Reply-To opens a dossier.
	if res := reply("jeanne@example.org", "Autre demande", "In-Reply-To: \r\n"); res[0].Added {
		t.Errorf("empty In-Reply-To threaded: %+v", res)
	}
}

// TestThreadingCorpus threads the corpus's Thunderbird reply onto the
// dossier whose request it answers, and opens a new dossier for the
// Outlook mail whose In-Reply-To is empty.
func TestThreadingCorpus(t *testing.T) {
	dir := corpusDir(t)
	f := newStaffFixture(t)
	tb := readCorpus(t, dir, "threading/thunderbird-reply-in-reply-to.eml")
	m := message.Parse(tb)
	orig := "From: " + m.Sender.String() + "\r\nTo: contact@ville.example.fr\r\nSubject: original\r\n" +
		"Message-ID: <" + m.InReplyTo[0] + ">\r\n\r\nDemande.\r\n"
	first := f.deliver(t, m.Sender.Addr, []string{"contact@ville.example.fr"}, orig)
	res := f.deliver(t, m.Sender.Addr, []string{"contact@ville.example.fr"}, string(tb))
	if !res[0].Added || res[0].Ref != first[0].Ref {
		t.Errorf("Thunderbird reply: %+v, want it added to %s", res, first[0].Ref)
	}
	ol := readCorpus(t, dir, "threading/outlook-empty-in-reply-to-odd-list-id.eml")
	res = f.deliver(t, "x@example.org", []string{"contact@ville.example.fr"}, string(ol))
	if res[0].Added || res[0].Ref == first[0].Ref {
		t.Errorf("Outlook mail with an empty In-Reply-To threaded: %+v", res)
	}
}

func mustDate(t *testing.T, s string) deadline.Date {
	t.Helper()
	d, err := deadline.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// corpusDir returns the corpus folder named by SVED_CORPUS, or skips.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SVED_CORPUS")
	if dir == "" {
		t.Skip("SVED_CORPUS is unset: set it to the folder of real-world mails to run this test")
	}
	return dir
}

func readCorpus(t *testing.T, dir, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestStaffReplyLeaksNothing(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	other := f.request(t, "contact@ville.example.fr")

	// A reason, an attached copy of the forward and quoted history under
	// the agent's text stay inside.
	body := "#refuser voir urba@ville.example.fr et " + other.ReplyAddress + "\n\n" +
		"Bonjour,\n> Nouvelle demande : " + d.Ref + "\n> De : jeanne@example.org\nCordialement,\nL'agent"
	raw := authenticated + "From: " + agent + "\r\nTo: " + d.ReplyAddress + "\r\nSubject: RE: [" + d.Ref + "]\r\n" +
		"Message-ID: <leak-1@ville.example.fr>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
		body + "\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=original.eml\r\n\r\n" +
		"From: x@ville.example.fr\r\nTo: urba@ville.example.fr\r\nSubject: forward\r\n\r\ninternal\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=decision.pdf\r\n\r\n%PDF-1.4\r\n--b--\r\n"
	f.deliver(t, "agent@ville.example.fr", []string{d.ReplyAddress}, raw)
	mails, _ := f.store.Mails(d.Ref)
	letter, _ := f.store.MailRaw(mails[len(mails)-1].ID)
	m := message.Parse(letter)
	text := strings.Join(strings.Fields(m.Text), " ")
	if mails[len(mails)-1].Kind != "refusal" || !strings.Contains(text, "Motif : voir [adresse interne] et [adresse interne]") {
		t.Errorf("refusal: %s", text)
	}
	for _, leak := range []string{"urba@", other.ReplyAddress, "Nouvelle demande", "De : jeanne"} {
		if strings.Contains(string(letter), leak) {
			t.Errorf("refusal shows %q:\n%s", leak, text)
		}
	}
	if len(m.Attachments) != 1 || m.Attachments[0].FileName != "decision.pdf" {
		t.Errorf("refusal attachments = %v, want decision.pdf only", m.Attachments)
	}
	if !strings.Contains(text, "Cordialement, L'agent") {
		t.Errorf("the agent's sign-off was lost: %s", text)
	}
}

func TestStaffCommandsChecked(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "contact@ville.example.fr")
	d = f.reply(t, d, agent, "RE: ["+d.Ref+"]", "#nature acte\n\nà voir avec l'état civil", "")
	if got := journalKinds(t, f.store, d.Ref); !slices.Contains(got, dossier.EventNote) {
		t.Errorf("the text of an internal reply is not kept: %v", got)
	}
	// The dossier now belongs to the service without a phone.
	for _, tt := range []struct{ body, problem string }{
		{"#enregistrer", "téléphone"},
		{"#transmettre urba@ville.example.fr", "adresse de la collectivité"},
		{"#transmettre contact@ville.example.fr", "adresse de la collectivité"},
	} {
		n := len(mustMails(t, f.store, d.Ref))
		f.reply(t, d, agent, "RE: ["+d.Ref+"]", tt.body, "")
		kinds, texts := f.letters(t, d.Ref, n)
		if !slices.Equal(kinds, []string{"staff_error agent@ville.example.fr"}) || !strings.Contains(texts[0], tt.problem) {
			t.Errorf("%q: letters %v %v", tt.body, kinds, texts)
		}
	}
	// A staff message whose MIME structure cannot be read is not relayed.
	n := len(mustMails(t, f.store, d.Ref))
	nested := strings.Repeat("Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\n", 200)
	raw := authenticated + "From: " + agent + "\r\nTo: " + d.ReplyAddress + "\r\nSubject: RE\r\nMessage-ID: <nest@v>\r\n" + nested
	f.deliver(t, "agent@ville.example.fr", []string{d.ReplyAddress}, raw)
	if kinds, _ := f.letters(t, d.Ref, n); !slices.Equal(kinds, []string{"staff_error agent@ville.example.fr"}) {
		t.Errorf("unreadable staff message: letters %v", kinds)
	}
}

func TestNewRequestNotSwallowed(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	f.reply(t, d, agent, "RE: ["+d.Ref+"]", "#refuser hors compétence", "")

	// A recours about the refused dossier is a new request.
	recours := "From: jeanne@example.org\r\nTo: contact@ville.example.fr\r\nSubject: Recours contre le refus " + d.Ref +
		"\r\nMessage-ID: <recours@example.org>\r\n\r\nJe conteste.\r\n"
	if res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, recours); res[0].Added || res[0].Ref == d.Ref {
		t.Errorf("recours joined the refused dossier: %+v", res)
	}
	// A stranger who copies someone's reply address makes a request.
	bob := "From: bob@example.com\r\nTo: contact@ville.example.fr\r\nCc: " + d.ReplyAddress +
		"\r\nSubject: Ma demande\r\nMessage-ID: <bob@example.com>\r\n\r\nBonjour.\r\n"
	res := f.deliver(t, "bob@example.com", []string{"contact@ville.example.fr", d.ReplyAddress}, bob)
	if res[0].Added || res[0].Ref == d.Ref {
		t.Errorf("stranger's request swallowed: %+v", res)
	}
}

func mustMails(t *testing.T, st *store.Store, ref string) []store.OutboundMail {
	t.Helper()
	mails, err := st.Mails(ref)
	if err != nil {
		t.Fatal(err)
	}
	return mails
}

// TestRereadThreadedMessage delivers again a reply that joined a
// dossier, after staff decided the dossier, as an IMAP folder read
// again does: it must stay a duplicate, not open a dossier with an AEE.
func TestRereadThreadedMessage(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	aee := mustMails(t, f.store, d.Ref)[0].MessageID
	reply := "From: jeanne@example.org\r\nTo: urbanisme@ville.example.fr\r\nSubject: Re: accusé\r\n" +
		"In-Reply-To: <" + aee + ">\r\nMessage-ID: <suite-1@example.org>\r\n\r\nSuite.\r\n"
	if res := f.deliver(t, "jeanne@example.org", []string{"urbanisme@ville.example.fr"}, reply); !res[0].Added {
		t.Fatalf("reply did not join the dossier: %+v", res)
	}
	f.reply(t, d, agent, "RE: ["+d.Ref+"]", "#refuser hors compétence", "")
	res := f.deliver(t, "jeanne@example.org", []string{"urbanisme@ville.example.fr"}, reply)
	if res[0].Created {
		t.Errorf("the reply read again was stored again: %+v", res)
	}
	all, _ := f.store.List(store.ListFilter{})
	if len(all) != 1 {
		t.Errorf("%d dossiers, want 1", len(all))
	}
}

func TestLongMessageIDStored(t *testing.T) {
	f := newStaffFixture(t)
	id := strings.Repeat("a", 40000) + "@example.org"
	raw := "From: jeanne@example.org\r\nTo: contact@ville.example.fr\r\nSubject: long\r\nMessage-ID: <" + id +
		">\r\n\r\nBonjour.\r\n"
	res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, raw)
	if !res[0].Created {
		t.Fatalf("result %+v", res)
	}
	if again := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, raw); again[0].Created ||
		again[0].Ref != res[0].Ref {
		t.Errorf("the same message again: %+v", again)
	}
}

// TestStaffReplyToIntakeAddress obeys a staff reply that reached an
// intake address, as when the mailbox polled over IMAP is the one the
// agent answered, when it names the forward in In-Reply-To.
func TestStaffReplyToIntakeAddress(t *testing.T) {
	f := newStaffFixture(t)
	d := f.request(t, "urbanisme@ville.example.fr")
	forward := mustMails(t, f.store, d.Ref)[1].MessageID
	raw := authenticated + "From: " + agent + "\r\nTo: urbanisme@ville.example.fr\r\nSubject: RE: [" + d.Ref + "]\r\n" +
		"In-Reply-To: <" + forward + ">\r\nMessage-ID: <staff-intake@ville.example.fr>\r\n\r\n#refuser hors compétence\r\n"
	res := f.deliver(t, "agent@ville.example.fr", []string{"urbanisme@ville.example.fr"}, raw)
	if !res[0].Added || res[0].Ref != d.Ref {
		t.Fatalf("staff reply to the intake address: %+v", res)
	}
	if got, _ := f.store.Get(d.Ref); got.State != dossier.StateRefused {
		t.Errorf("state %s, want refuse", got.State)
	}
}
