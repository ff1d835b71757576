package intake

import (
	"context"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
)

func newSubmission(f *fixture, key string) *FormSubmission {
	t := f.cfg.Tenants[0]
	return &FormSubmission{
		Tenant: t,
		Form:   &config.Form{ID: "contact", Title: "Écrire à la mairie"},
		Remote: "192.0.2.10",
		Identification: dossier.Identification{
			Type: dossier.RequesterPerson, LastName: "Martin", FirstName: "Zoé",
			Email: "zoe.martin@example.org",
		},
		Nature:  t.Nature("info"),
		Subject: "Horaires de la mairie",
		Message: "Bonjour,\nQuels sont vos horaires le samedi ?",
		Attachments: []message.Part{{
			FileName: "plan.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4\n"),
		}},
		DedupKey: key,
	}
}

func TestDeliverFormStoresDossier(t *testing.T) {
	f := newFixture(t)
	res, err := f.p.DeliverForm(context.Background(), newSubmission(f, "key 1"))
	if err != nil {
		t.Fatalf("DeliverForm: %v", err)
	}
	if !res.Created || res.ReceivedAt.IsZero() || res.Requester != "zoe.martin@example.org" {
		t.Errorf("result = %+v", res)
	}
	d, err := f.store.Get(res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.Channel != dossier.ChannelForm || d.Remote != "192.0.2.10" {
		t.Errorf("channel %q remote %q", d.Channel, d.Remote)
	}
	if d.Nature != "info" || d.Service != "accueil" || d.Regime != dossier.RegimeAucun {
		t.Errorf("nature %q service %q regime %q", d.Nature, d.Service, d.Regime)
	}
	if got := d.Identification.Missing; len(got) != 1 || got[0] != "postal_address" {
		t.Errorf("missing = %v, want [postal_address]", got)
	}
	if len(d.Attachments) != 1 || d.Attachments[0].FileName != "plan.pdf" {
		t.Errorf("attachments = %+v", d.Attachments)
	}
	kinds := f.mailKinds(t, res.Ref)
	if len(kinds["aee"]) != 1 || len(kinds["forward"]) != 1 {
		t.Errorf("mails = %v, want one aee and one forward", kinds)
	}

	raw, err := f.store.Raw(res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	m := message.Parse(raw)
	if m.Sender.Addr != "zoe.martin@example.org" || len(m.Attachments) != 1 {
		t.Errorf("raw message: sender %q, %d attachments", m.Sender.Addr, len(m.Attachments))
	}
	for _, want := range []string{"Nature choisie : Demande d'information (info)", "Adresse IP : 192.0.2.10",
		"champs manquants : postal_address", "Quels sont vos horaires"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("raw text lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestDeliverFormSameKeyOneDossier(t *testing.T) {
	f := newFixture(t)
	first, err := f.p.DeliverForm(context.Background(), newSubmission(f, "key 1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.p.DeliverForm(context.Background(), newSubmission(f, "key 1"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Ref != first.Ref || again.Created {
		t.Errorf("second delivery = %+v, want %s not created", again, first.Ref)
	}
	if !again.ReceivedAt.Equal(first.ReceivedAt) {
		t.Errorf("received_at changed: %v then %v", first.ReceivedAt, again.ReceivedAt)
	}
	if kinds := f.mailKinds(t, first.Ref); len(kinds["aee"]) != 1 {
		t.Errorf("mails = %v, want one aee", kinds)
	}
	other, err := f.p.DeliverForm(context.Background(), newSubmission(f, "key 2"))
	if err != nil {
		t.Fatal(err)
	}
	if other.Ref == first.Ref {
		t.Error("another key gave the same dossier")
	}
}

func TestDeliverFormWithoutEmail(t *testing.T) {
	f := newFixture(t)
	s := newSubmission(f, "key 1")
	s.Identification.Email = ""
	res, err := f.p.DeliverForm(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.store.Get(res.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != dossier.StateReceived {
		t.Errorf("state = %q, want %q", d.State, dossier.StateReceived)
	}
	kinds := f.mailKinds(t, res.Ref)
	if len(kinds["aee"]) != 0 || len(kinds["forward"]) != 1 {
		t.Errorf("mails = %v, want only the forward", kinds)
	}
}
