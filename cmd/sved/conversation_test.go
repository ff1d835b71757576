package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/message"
)

const conversationTenant = `
  - id: saint-exemple
    name: Commune de Saint-Exemple
    prefix: SAINTEX
    from: "Mairie de Saint-Exemple <contact@mairie-saint-exemple.fr>"
    reply:
      domain: reponse.mairie-saint-exemple.fr
    staff: ["@mairie-saint-exemple.fr"]
    intake:
      - address: urbanisme@mairie-saint-exemple.fr
        nature: cu
    services:
      - id: urbanisme
        name: Service urbanisme
        mailbox: service-urbanisme@mairie-saint-exemple.fr
        phone: "01 99 00 10 20"
    natures:
      - id: cu
        label: Certificat d'urbanisme
        service: urbanisme
        regime: accord
        delai: 2m
    digest:
      at: "off"
`

// letter is a mail that sved wrote to its outbox.
type letter struct {
	path string
	msg  *message.Message
}

func (l letter) to() string { return l.msg.To[0].Addr }

// newLetters waits until the outbox holds n mails and returns those not
// in seen, and adds them to seen.
func newLetters(t *testing.T, e *env, n int, seen map[string]bool) []letter {
	t.Helper()
	var out []letter
	for _, f := range waitFiles(t, e.outbox(), n) {
		if seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, letter{path: f, msg: message.Parse([]byte(readFile(t, f)))})
	}
	return out
}

// TestConversationOverSMTP runs a whole conversation through sved serve
// with swaks: a request, its AEE and forward; the agent asks for a piece
// with #pieces; the requester sends it; the agent registers the request
// with #enregistrer, which sends the ARE; the agent's plain reply is
// relayed; the requester answers again. The journal then holds every
// step in order, under a valid hash chain.
func TestConversationOverSMTP(t *testing.T) {
	e := newEnv(t, "", conversationTenant)
	d := e.serve()
	seen := map[string]bool{}
	utf8 := []string{"--header", "MIME-Version: 1.0", "--header", "Content-Type: text/plain; charset=UTF-8",
		"--header", "Content-Transfer-Encoding: 8bit"}
	send := func(args ...string) {
		t.Helper()
		out, err := d.swaks(t, args...)
		if err != nil || !strings.Contains(out, "250 2.0.0 OK") {
			t.Fatalf("swaks %v: %v\n%s", args, err, out)
		}
	}

	out, err := d.swaks(t, append([]string{"--from", "jeanne@example.org", "--to", "urbanisme@mairie-saint-exemple.fr",
		"--header", "From: Jeanne Martin <jeanne@example.org>", "--header", "Subject: Certificat d'urbanisme",
		"--header", "Message-Id: <req-1@example.org>", "--body", "Bonjour, je demande un certificat."}, utf8...)...)
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	ref := refsOf(t, out)[0]
	first := newLetters(t, e, 2, seen)
	var forward letter
	for _, l := range first {
		if l.to() == "service-urbanisme@mairie-saint-exemple.fr" {
			forward = l
		}
	}
	if forward.msg == nil || len(forward.msg.ReplyTo) != 1 {
		t.Fatalf("no forward with a Reply-To among %v", first)
	}
	replyAddr := forward.msg.ReplyTo[0].Addr

	staffReply := func(body string, inReplyTo string) {
		t.Helper()
		send(append([]string{"--from", "agent@mairie-saint-exemple.fr", "--to", replyAddr,
			"--header", "From: Agent Urba <agent@mairie-saint-exemple.fr>",
			"--header", "Subject: RE: [" + ref + "] Certificat d'urbanisme",
			"--header", "In-Reply-To: <" + inReplyTo + ">", "--body", body}, utf8...)...)
	}
	staffReply("#pièces\n- plan de situation\ndélai 15 jours\n\nBonjour Madame,\nil manque le plan de situation.\n\n"+
		"-----Message d'origine-----\nDe : "+replyAddr+"\nEnvoyé : lundi\nÀ : service\nObjet : "+ref, forward.msg.MessageID)
	pieces := newLetters(t, e, 3, seen)
	if len(pieces) != 1 || pieces[0].to() != "jeanne@example.org" ||
		!strings.Contains(pieces[0].msg.Subject, "Pièces à fournir") ||
		!strings.Contains(pieces[0].msg.Text, "plan de situation") ||
		strings.Contains(pieces[0].msg.Text, "Message d'origine") {
		t.Fatalf("after #pièces: %+v", pieces)
	}
	if from := pieces[0].msg.From[0].Addr; from != "contact@mairie-saint-exemple.fr" {
		t.Errorf("request for pieces comes from %s", from)
	}

	plan := filepath.Join(e.dir, "plan.pdf")
	if err := os.WriteFile(plan, []byte("%PDF-1.4 plan\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	send("--from", "jeanne@example.org", "--to", pieces[0].msg.ReplyTo[0].Addr,
		"--header", "From: Jeanne Martin <jeanne@example.org>", "--header", "Subject: Re: pièces",
		"--header", "Message-Id: <req-2@example.org>", "--header", "In-Reply-To: <"+pieces[0].msg.MessageID+">",
		"--body", "Voici le plan.", "--attach-type", "application/pdf", "--attach-name", "plan.pdf", "--attach", "@"+plan)
	complement := newLetters(t, e, 4, seen)
	if len(complement) != 1 || complement[0].to() != "service-urbanisme@mairie-saint-exemple.fr" ||
		len(complement[0].msg.Attachments) != 1 {
		t.Fatalf("after the piece: %+v", complement)
	}

	staffReply("#enregistrer\n\nVotre dossier est complet.", complement[0].msg.MessageID)
	are := newLetters(t, e, 5, seen)
	if len(are) != 1 || !strings.Contains(are[0].msg.Subject, "Accusé de réception") {
		t.Fatalf("after #enregistrer: %+v", are)
	}
	text := strings.Join(strings.Fields(are[0].msg.Text), " ")
	for _, want := range []string{ref, "Service urbanisme", "01 99 00 10 20", replyAddr, "réputée acceptée", "L232-3",
		"Votre dossier est complet."} {
		if !strings.Contains(text, want) {
			t.Errorf("ARE lacks %q:\n%s", want, text)
		}
	}

	staffReply("Le certificat vous sera adressé sous huit jours.\n\n-- \nAgent Urba\nagent@mairie-saint-exemple.fr\n"+
		"Tél. 01 99 00 10 20", are[0].msg.MessageID)
	relayed := newLetters(t, e, 6, seen)
	if len(relayed) != 1 || relayed[0].to() != "jeanne@example.org" {
		t.Fatalf("after the plain reply: %+v", relayed)
	}
	r := relayed[0].msg
	if !strings.Contains(r.Text, "sous huit jours") || !strings.Contains(r.Text, "Agent Urba") ||
		strings.Contains(string(r.Raw), "agent@mairie-saint-exemple.fr") {
		t.Errorf("relayed reply shows an internal address or lost the text:\n%s", r.Raw)
	}
	if !slices.Equal(r.InReplyTo, []string{"req-2@example.org"}) || !slices.Contains(r.References, "req-1@example.org") {
		t.Errorf("relayed reply threads on %v / %v, want the requester's last message", r.InReplyTo, r.References)
	}

	send("--from", "jeanne@example.org", "--to", r.ReplyTo[0].Addr, "--header", "From: jeanne@example.org",
		"--header", "Subject: Re: ["+ref+"] merci", "--header", "In-Reply-To: <"+r.MessageID+">", "--body", "Merci !")
	if last := newLetters(t, e, 7, seen); len(last) != 1 || last[0].to() != "service-urbanisme@mairie-saint-exemple.fr" {
		t.Fatalf("after the requester's answer: %+v", last)
	}

	show := e.mustCLI("dossiers", "show", ref)
	if !strings.Contains(show, "(hash chain valid)") || !strings.Contains(show, "State:") {
		t.Fatalf("show:\n%s", show)
	}
	if !strings.Contains(show, "Further messages (5):") || !strings.Contains(show, "- plan.pdf, application/pdf") {
		t.Errorf("show does not list the further messages and their attachments:\n%s", show)
	}
	var kinds []string
	for _, line := range strings.Split(show, "\n") {
		f := strings.Fields(line)
		if len(f) > 5 && (strings.HasSuffix(f[0], "0") || f[0] != "") && isDigits(f[0]) {
			if k := f[4]; k != "mail_queued" && k != "mail_sent" {
				kinds = append(kinds, k)
			}
		}
	}
	want := []string{"received", "message_added", "pieces_requested", "message_added", "pieces_received",
		"message_added", "registered", "message_added", "reply_relayed", "message_added"}
	if !slices.Equal(kinds, want) {
		t.Errorf("journal steps = %v\nwant %v\n%s", kinds, want, show)
	}
	if !strings.Contains(strings.Join(strings.Fields(show), " "), "State: enregistre") {
		t.Errorf("state is not enregistre:\n%s", show)
	}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
