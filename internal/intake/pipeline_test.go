package intake

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

const pipelineConfig = `
data_dir: /nonexistent
hostname: mx.test.invalid
collectivites:
  - id: ville
    name: Ville de Test
    prefix: VILLE
    from: "Mairie de Test <contact@ville.example.fr>"
    reply:
      domain: reponse.ville.example.fr
    staff: ["@ville.example.fr"]
    intake:
      - address: contact@ville.example.fr
        service: accueil
      - address: urbanisme@ville.example.fr
        service: urbanisme
    services:
      - id: accueil
        name: Accueil
        mailbox: accueil@ville.example.fr
      - id: urbanisme
        name: Urbanisme
        mailbox: urba@ville.example.fr
    natures:
      - id: info
        label: Demande d'information
        service: accueil
        regime: aucun
  - id: agglo
    name: Agglomération de Test
    prefix: AGGLO
    from: "Agglo <accueil@agglo.example.fr>"
    reply:
      sub_address: accueil@agglo.example.fr
    intake:
      - address: accueil@agglo.example.fr
    services:
      - id: secretariat
        name: Secrétariat
        mailbox: secretariat@agglo.example.fr
    natures:
      - id: info
        label: Demande d'information
        service: secretariat
        regime: aucun
`

type fixture struct {
	p     *Pipeline
	store *store.Store
	cfg   *config.Config
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(pipelineConfig))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	st, err := store.Open(filepath.Join(t.TempDir(), "sved.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := notify.New(cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &fixture{p: New(func() *config.Config { return cfg }, st, r, log), store: st, cfg: cfg}
}

func (f *fixture) deliver(t *testing.T, from string, rcpts []string, raw string) []Result {
	t.Helper()
	res, err := f.p.Deliver(context.Background(), &Envelope{
		Channel: dossier.ChannelSMTP, Remote: "127.0.0.1:1234", From: from, Recipients: rcpts, Raw: []byte(raw),
	})
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	return res
}

func (f *fixture) mailKinds(t *testing.T, ref string) map[string][]string {
	t.Helper()
	mails, err := f.store.Mails(ref)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string][]string{}
	for _, m := range mails {
		kinds[m.Kind] = append(kinds[m.Kind], m.Recipients...)
	}
	return kinds
}

const request = "From: Jeanne Martin <jeanne@example.org>\r\nTo: contact@ville.example.fr\r\n" +
	"Subject: Demande d'acte de naissance\r\nMessage-ID: <req-1@example.org>\r\n\r\nBonjour.\r\n"

func TestDeliverCreatesDossierWithMails(t *testing.T) {
	f := newFixture(t)
	res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, request)
	if len(res) != 1 || !res[0].Created {
		t.Fatalf("results = %+v, want one created dossier", res)
	}
	d, err := f.store.Get(res[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	if d.State != dossier.StateReceived || d.Service != "accueil" {
		t.Errorf("state %q service %q", d.State, d.Service)
	}
	if d.Requester.Addr != "jeanne@example.org" || d.Requester.Name != "Jeanne Martin" {
		t.Errorf("requester = %+v", d.Requester)
	}
	if !strings.HasSuffix(d.ReplyAddress, "@reponse.ville.example.fr") || !strings.HasPrefix(d.ReplyAddress, d.Token) {
		t.Errorf("reply address %q does not carry token %q", d.ReplyAddress, d.Token)
	}
	kinds := f.mailKinds(t, d.Ref)
	if got := kinds["aee"]; len(got) != 1 || got[0] != "jeanne@example.org" {
		t.Errorf("AEE recipients = %v", got)
	}
	if got := kinds["forward"]; len(got) != 1 || got[0] != "accueil@ville.example.fr" {
		t.Errorf("forward recipients = %v", got)
	}
	journal, _ := f.store.Journal(d.Ref)
	if err := dossier.VerifyChain(journal); err != nil {
		t.Error(err)
	}
	if len(journal) != 3 || journal[0].Kind != dossier.EventReceived || journal[1].Kind != dossier.EventMailQueued {
		t.Errorf("journal = %+v, want received then two mail_queued", journal)
	}
}

func TestDeliverRoutesByIntakeAddress(t *testing.T) {
	f := newFixture(t)
	res := f.deliver(t, "jeanne@example.org", []string{"URBANISME@Ville.Example.FR"}, request)
	d, _ := f.store.Get(res[0].Ref)
	if d.Service != "urbanisme" {
		t.Errorf("service = %q, want urbanisme", d.Service)
	}
	if got := f.mailKinds(t, d.Ref)["forward"]; len(got) != 1 || got[0] != "urba@ville.example.fr" {
		t.Errorf("forward recipients = %v", got)
	}
}

func TestDeliverOneDossierPerTenant(t *testing.T) {
	f := newFixture(t)
	res := f.deliver(t, "jeanne@example.org",
		[]string{"contact@ville.example.fr", "urbanisme@ville.example.fr", "accueil@agglo.example.fr"}, request)
	if len(res) != 2 {
		t.Fatalf("results = %+v, want two dossiers", res)
	}
	if res[0].Tenant != "ville" || res[1].Tenant != "agglo" {
		t.Errorf("tenants = %s, %s", res[0].Tenant, res[1].Tenant)
	}
	d, _ := f.store.Get(res[0].Ref)
	if len(d.Recipients) != 2 {
		t.Errorf("recipients = %v, want both intake addresses", d.Recipients)
	}
}

func TestDeliverDuplicateSendsNothingMore(t *testing.T) {
	f := newFixture(t)
	first := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, request)
	second := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, request)
	if second[0].Created || second[0].Ref != first[0].Ref {
		t.Errorf("second delivery = %+v, want the first dossier %s", second[0], first[0].Ref)
	}
	if n := len(f.mailKinds(t, first[0].Ref)["aee"]); n != 1 {
		t.Errorf("%d AEEs, want 1", n)
	}
	all, _ := f.store.List(store.ListFilter{})
	if len(all) != 1 {
		t.Errorf("%d dossiers, want 1", len(all))
	}
}

func TestDeliverNoAnswerToAutomaticMail(t *testing.T) {
	cases := []struct {
		name string
		from string
		raw  string
		want string
	}{
		{"null sender", "", request, "null-sender"},
		{"auto-submitted", "jeanne@example.org",
			strings.Replace(request, "\r\n\r\n", "\r\nAuto-Submitted: auto-replied\r\n\r\n", 1), "auto-reply"},
		{"precedence bulk", "news@example.org",
			strings.Replace(request, "\r\n\r\n", "\r\nPrecedence: bulk\r\n\r\n", 1), "bulk"},
		{"list", "list@example.org",
			strings.Replace(request, "\r\n\r\n", "\r\nList-Id: <annonces.example.org>\r\n\r\n", 1), "list"},
		{"own address", "contact@ville.example.fr",
			strings.Replace(request, "jeanne@example.org", "contact@ville.example.fr", 1), "own-address"},
		{"service mailbox", "accueil@ville.example.fr",
			strings.Replace(request, "jeanne@example.org", "accueil@ville.example.fr", 1), "own-address"},
		{"sved's own mail back", "someone@example.org",
			strings.Replace(request, "\r\n\r\n", "\r\nX-Sved-Dossier: VILLE-2026-000001\r\n\r\n", 1), "loop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			res := f.deliver(t, c.from, []string{"contact@ville.example.fr"}, c.raw)
			d, _ := f.store.Get(res[0].Ref)
			if d.State != dossier.StateAutomatic {
				t.Errorf("state = %q, want %q", d.State, dossier.StateAutomatic)
			}
			if !strings.HasPrefix(d.Reason, c.want) {
				t.Errorf("reason = %q, want prefix %q", d.Reason, c.want)
			}
			if kinds := f.mailKinds(t, d.Ref); len(kinds) != 0 {
				t.Errorf("mails queued for automatic mail: %v", kinds)
			}
		})
	}
}

func TestDeliverAutoResponseSuppressAloneIsHuman(t *testing.T) {
	f := newFixture(t)
	raw := strings.Replace(request, "\r\n\r\n", "\r\nX-Auto-Response-Suppress: All\r\n\r\n", 1)
	res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, raw)
	d, _ := f.store.Get(res[0].Ref)
	if d.State != dossier.StateReceived {
		t.Errorf("state = %q (%s), want recu", d.State, d.Reason)
	}
}

func TestDeliverUnknownSenderForwardedOnly(t *testing.T) {
	f := newFixture(t)
	raw := "Subject: =?NONE?B?VEVTVA=?=\r\n\r\nTEST\r\n"
	res := f.deliver(t, "someone@example.org", []string{"contact@ville.example.fr"}, raw)
	d, _ := f.store.Get(res[0].Ref)
	kinds := f.mailKinds(t, d.Ref)
	if len(kinds["aee"]) != 0 || len(kinds["forward"]) != 1 {
		t.Errorf("mails = %v, want a forward only", kinds)
	}
	found := false
	for _, w := range d.Warnings {
		found = found || strings.Contains(w, "sender unknown")
	}
	if !found {
		t.Errorf("warnings %v do not flag the unknown sender", d.Warnings)
	}
}

func TestDeliverToReplyTokenAddsMessage(t *testing.T) {
	f := newFixture(t)
	res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, request)
	d, _ := f.store.Get(res[0].Ref)

	followUp := "From: Jeanne Martin <jeanne@example.org>\r\nTo: " + d.ReplyAddress + "\r\n" +
		"Subject: Re: pièce manquante\r\nMessage-ID: <req-2@example.org>\r\n\r\nVoici la pièce.\r\n"
	res2 := f.deliver(t, "jeanne@example.org", []string{d.ReplyAddress, "contact@ville.example.fr"}, followUp)
	if len(res2) != 1 || !res2[0].Added || res2[0].Ref != d.Ref {
		t.Fatalf("results = %+v, want the message added to %s", res2, d.Ref)
	}
	msgs, err := f.store.Messages(d.Ref)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("messages = %d (err %v), want 2", len(msgs), err)
	}
	all, _ := f.store.List(store.ListFilter{})
	if len(all) != 1 {
		t.Errorf("%d dossiers, want 1", len(all))
	}
	if got := f.mailKinds(t, d.Ref)["complement"]; len(got) != 1 || got[0] != "accueil@ville.example.fr" {
		t.Errorf("follow-up forwarded to %v, want the service mailbox", got)
	}
}

func TestDeliverToReplyTokenNotForwarded(t *testing.T) {
	cases := []struct {
		name string
		from string
		raw  string
	}{
		{"staff reply", "agent@ville.example.fr",
			"From: Agent <agent@ville.example.fr>\r\nSubject: Re: demande\r\nMessage-ID: <staff-1@ville.example.fr>\r\n\r\nBonjour.\r\n"},
		{"bounce", "",
			"From: MAILER-DAEMON@example.org\r\nSubject: Undelivered\r\nAuto-Submitted: auto-replied\r\n\r\nfailed\r\n"},
		{"auto-reply", "jeanne@example.org",
			"From: Jeanne <jeanne@example.org>\r\nSubject: Absente\r\nAuto-Submitted: auto-replied\r\n\r\nabsente\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, request)
			d, _ := f.store.Get(res[0].Ref)
			res2 := f.deliver(t, c.from, []string{d.ReplyAddress}, c.raw)
			if !res2[0].Added {
				t.Fatalf("result %+v, want the message added", res2[0])
			}
			if got := f.mailKinds(t, d.Ref)["complement"]; len(got) != 0 {
				t.Errorf("forwarded to %v", got)
			}
			msgs, _ := f.store.Messages(d.Ref)
			if len(msgs) != 2 {
				t.Errorf("%d messages stored, want 2", len(msgs))
			}
		})
	}
}

func TestDeliverNoRecipient(t *testing.T) {
	f := newFixture(t)
	_, err := f.p.Deliver(context.Background(), &Envelope{Recipients: []string{"x@example.net"}, Raw: []byte(request)})
	if !errors.Is(err, ErrNoRecipient) {
		t.Errorf("err = %v, want ErrNoRecipient", err)
	}
}

// TestCorpusThroughPipeline runs every corpus mail through the pipeline:
// none may panic or fail, and automatic mail gets no AEE.
func TestCorpusThroughPipeline(t *testing.T) {
	corpus := os.Getenv("SVED_CORPUS")
	if corpus == "" {
		t.Skip("SVED_CORPUS is unset: set it to the folder of real-world mails to run this test")
	}
	manifest, err := os.Open(filepath.Join(corpus, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer manifest.Close()
	f := newFixture(t)
	sc := bufio.NewScanner(manifest)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	sc.Scan() // header line
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		file, category := cols[0], cols[5]
		raw, err := os.ReadFile(filepath.Join(corpus, file))
		if err != nil {
			t.Fatal(err)
		}
		n++
		t.Run(file, func(t *testing.T) {
			start := time.Now()
			res, err := f.p.Deliver(context.Background(), &Envelope{
				Channel: dossier.ChannelIngest, From: "sender@example.net",
				Recipients: []string{"contact@ville.example.fr"}, Raw: raw,
			})
			if err != nil {
				t.Fatalf("Deliver: %v", err)
			}
			d, err := f.store.Get(res[0].Ref)
			if err != nil {
				t.Fatal(err)
			}
			stored, _ := f.store.Raw(d.Ref)
			if string(stored) != string(raw) {
				t.Error("raw message not stored verbatim")
			}
			automatic := category == "auto-replies" || category == "bounces" || category == "mailing-lists"
			if automatic && len(f.mailKinds(t, d.Ref)["aee"]) != 0 {
				t.Errorf("AEE queued for %s mail (state %s)", category, d.State)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
		})
	}
	if n != 60 {
		t.Errorf("manifest lists %d files, want 60", n)
	}
}

func TestDeliverLimitsAcknowledgementsPerSender(t *testing.T) {
	f := newFixture(t)
	for i := 0; i <= config.DefaultAckLimitPerDay; i++ {
		raw := strings.Replace(request, "<req-1@example.org>", fmt.Sprintf("<loop-%d@example.org>", i), 1)
		res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, raw)
		d, _ := f.store.Get(res[0].Ref)
		kinds := f.mailKinds(t, d.Ref)
		if i < config.DefaultAckLimitPerDay && len(kinds["aee"]) != 1 {
			t.Fatalf("message %d: %d AEEs, want 1", i, len(kinds["aee"]))
		}
		if i == config.DefaultAckLimitPerDay {
			if len(kinds["aee"]) != 0 {
				t.Errorf("message %d: AEE sent beyond the limit", i)
			}
			if len(kinds["forward"]) != 1 {
				t.Errorf("message %d: not forwarded", i)
			}
			if !strings.Contains(strings.Join(d.Warnings, "\n"), "no acknowledgement sent") {
				t.Errorf("warnings %v do not say why no AEE was sent", d.Warnings)
			}
		}
	}

	// Another sender is not affected, and the window slides.
	res := f.deliver(t, "paul@example.org", []string{"contact@ville.example.fr"},
		strings.Replace(request, "jeanne@example.org", "paul@example.org", 1))
	if len(f.mailKinds(t, res[0].Ref)["aee"]) != 1 {
		t.Error("another sender got no AEE")
	}
	f.p.now = func() time.Time { return time.Now().Add(ackWindow) }
	later := strings.Replace(request, "<req-1@example.org>", "<later@example.org>", 1)
	res = f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, later)
	if len(f.mailKinds(t, res[0].Ref)["aee"]) != 1 {
		t.Error("no AEE once the window has passed")
	}
}

func TestDeliverLimitHoldsUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	const senders = 40
	var wg sync.WaitGroup
	refs := make([]string, senders)
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			raw := strings.Replace(request, "<req-1@example.org>", fmt.Sprintf("<burst-%d@example.org>", i), 1)
			res, err := f.p.Deliver(context.Background(), &Envelope{Channel: dossier.ChannelSMTP,
				From: "jeanne@example.org", Recipients: []string{"contact@ville.example.fr"}, Raw: []byte(raw)})
			if err != nil {
				t.Error(err)
				return
			}
			refs[i] = res[0].Ref
		}(i)
	}
	wg.Wait()
	aees := 0
	for _, ref := range refs {
		aees += len(f.mailKinds(t, ref)["aee"])
	}
	if aees != config.DefaultAckLimitPerDay {
		t.Errorf("%d AEEs sent to one address by concurrent deliveries, want %d", aees, config.DefaultAckLimitPerDay)
	}
}

func TestDeliverQuarantinesSpam(t *testing.T) {
	f := newFixture(t)
	raw := strings.Replace(request, "\r\n\r\n", "\r\nPrecedence: bulk\r\nX-Spam-Flag: YES\r\n\r\n", 1)
	res := f.deliver(t, "jeanne@example.org", []string{"contact@ville.example.fr"}, raw)
	d, _ := f.store.Get(res[0].Ref)
	if d.State != dossier.StateQuarantined {
		t.Errorf("state = %q (%s), want %q", d.State, d.Reason, dossier.StateQuarantined)
	}
	if kinds := f.mailKinds(t, d.Ref); len(kinds) != 0 {
		t.Errorf("mails queued for spam: %v", kinds)
	}
}

func TestDeliverRequesterFromReplyTo(t *testing.T) {
	f := newFixture(t)
	f.cfg.Tenants[0].RequesterFromReplyTo = true
	raw := "From: Formulaire <no-reply@site.example.org>\r\nReply-To: Paul Henry <paul@example.org>\r\n" +
		"To: contact@ville.example.fr\r\nSubject: Formulaire de contact\r\nMessage-ID: <form-1@example.org>\r\n\r\nBonjour.\r\n"
	res := f.deliver(t, "no-reply@site.example.org", []string{"contact@ville.example.fr"}, raw)
	d, _ := f.store.Get(res[0].Ref)
	if d.Requester.Addr != "paul@example.org" || d.Requester.Name != "Paul Henry" {
		t.Errorf("requester = %+v, want Paul Henry from Reply-To", d.Requester)
	}
	if got := f.mailKinds(t, d.Ref)["aee"]; len(got) != 1 || got[0] != "paul@example.org" {
		t.Errorf("AEE to %v, want paul@example.org", got)
	}

	// Without the setting, From stays the requester.
	f.cfg.Tenants[0].RequesterFromReplyTo = false
	res = f.deliver(t, "no-reply@site.example.org", []string{"contact@ville.example.fr"},
		strings.Replace(raw, "form-1", "form-2", 1))
	d, _ = f.store.Get(res[0].Ref)
	if d.Requester.Addr != "no-reply@site.example.org" {
		t.Errorf("requester = %+v, want the From address", d.Requester)
	}
}
