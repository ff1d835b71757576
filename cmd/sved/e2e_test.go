package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jhillyerd/enmime/v2"
)

// outMail is one .eml file written by the dir: transport, parsed.
type outMail struct {
	path string
	env  *enmime.Envelope
}

func parseOutbox(t *testing.T, files []string) map[string]outMail {
	t.Helper()
	byKind := map[string]outMail{}
	for _, f := range files {
		env, err := enmime.ReadEnvelope(bytes.NewReader([]byte(readFile(t, f))))
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		kind := "forward"
		if strings.Contains(env.GetHeader("Subject"), "Accusé d'enregistrement") {
			kind = "aee"
		}
		if _, dup := byKind[kind]; dup {
			t.Fatalf("two mails of kind %s in %v", kind, files)
		}
		byKind[kind] = outMail{path: f, env: env}
	}
	return byKind
}

func TestServeAcknowledgesAndForwards(t *testing.T) {
	e := newEnv(t, "")
	d := e.serve()

	attachment := filepath.Join(e.dir, "plan-cadastral.pdf")
	os.WriteFile(attachment, []byte("%PDF-1.4 plan\n"), 0o600)
	out, err := d.swaks(t, "--from", "jeanne.martin@example.org", "--to", "contact@mairie-saint-exemple.fr",
		"--h-From", `"Jeanne Martin" <jeanne.martin@example.org>`,
		"--header", "Subject: Demande de certificat d'hébergement",
		"--body", "Bonjour, je souhaite obtenir un certificat. Cordialement.",
		"--attach-type", "application/pdf", "--attach-name", "plan-cadastral.pdf", "--attach", "@"+attachment)
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	refs := refsOf(t, out)
	if len(refs) != 1 || !strings.HasPrefix(refs[0], "SAINTEX-20") {
		t.Fatalf("refs = %v, want one SAINTEX reference", refs)
	}
	ref := refs[0]

	mails := parseOutbox(t, waitFiles(t, e.outbox(), 2))
	aee, fwd := mails["aee"], mails["forward"]
	if aee.env == nil || fwd.env == nil {
		t.Fatalf("outbox lacks an AEE or a forward: %v", mails)
	}

	t.Run("aee", func(t *testing.T) {
		h := aee.env.GetHeader
		if !strings.Contains(h("To"), "jeanne.martin@example.org") {
			t.Errorf("AEE To = %q", h("To"))
		}
		if !strings.Contains(h("From"), "contact@mairie-saint-exemple.fr") {
			t.Errorf("AEE From = %q", h("From"))
		}
		if !strings.Contains(h("Subject"), ref) {
			t.Errorf("AEE subject %q lacks %s", h("Subject"), ref)
		}
		if h("Auto-Submitted") != "auto-replied" {
			t.Errorf("AEE Auto-Submitted = %q", h("Auto-Submitted"))
		}
		if !strings.Contains(h("Reply-To"), "@reponse.mairie-saint-exemple.fr") {
			t.Errorf("AEE Reply-To = %q, want the reply-token address", h("Reply-To"))
		}
		text := strings.Join(strings.Fields(aee.env.Text), " ")
		for _, want := range []string{ref, "plan-cadastral.pdf", "Accueil de la mairie", "dix jours ouvrés"} {
			if !strings.Contains(text, want) {
				t.Errorf("AEE text lacks %q:\n%s", want, aee.env.Text)
			}
		}
		if aee.env.HTML == "" {
			t.Error("AEE has no HTML part")
		}
	})
	t.Run("forward", func(t *testing.T) {
		h := fwd.env.GetHeader
		if !strings.Contains(h("To"), "accueil@mairie-saint-exemple.fr") {
			t.Errorf("forward To = %q", h("To"))
		}
		if !strings.Contains(h("From"), "@reponse.mairie-saint-exemple.fr") {
			t.Errorf("forward From = %q, want the reply-token address so that auto-replies join the dossier", h("From"))
		}
		if strings.Contains(h("From"), "sved") {
			t.Errorf("forward From = %q names the software", h("From"))
		}
		if !strings.Contains(h("Subject"), "["+ref+"]") {
			t.Errorf("forward subject %q lacks [%s]", h("Subject"), ref)
		}
		if !strings.Contains(h("Reply-To"), "@reponse.mairie-saint-exemple.fr") {
			t.Errorf("forward Reply-To = %q, want the reply-token address", h("Reply-To"))
		}
		if !strings.Contains(fwd.env.Text, "je souhaite obtenir un certificat") {
			t.Errorf("forward lacks the request text:\n%s", fwd.env.Text)
		}
		if len(fwd.env.Attachments) != 1 || fwd.env.Attachments[0].FileName != "plan-cadastral.pdf" {
			t.Errorf("forward attachments = %d, want plan-cadastral.pdf", len(fwd.env.Attachments))
		}
	})

	t.Run("cli while serving", func(t *testing.T) {
		list := e.mustCLI("dossiers", "list")
		if !strings.Contains(list, ref) || !strings.Contains(list, "jeanne.martin@example.org") {
			t.Errorf("dossiers list lacks %s:\n%s", ref, list)
		}
		waitJournal(t, e, ref, "mail_sent", 2)
		show := e.mustCLI("dossiers", "show", ref)
		for _, want := range []string{"State:", "recu", "plan-cadastral.pdf", "received", "mail_queued",
			"mail_sent", "hash chain valid", "Demande de certificat d'hébergement"} {
			if !strings.Contains(show, want) {
				t.Errorf("dossiers show lacks %q:\n%s", want, show)
			}
		}
	})

	t.Run("cli after stop", func(t *testing.T) {
		d.stop()
		list := e.mustCLI("dossiers", "list", "--state", "recu")
		if !strings.Contains(list, ref) {
			t.Errorf("dossiers list from the file lacks %s:\n%s", ref, list)
		}
	})
}

// waitJournal waits until the journal of ref holds n events of kind.
func waitJournal(t *testing.T, e *env, ref, kind string, n int) {
	t.Helper()
	for i := 0; i < 200; i++ {
		show := e.mustCLI("dossiers", "show", ref)
		if strings.Count(show, " "+kind+" ") >= n {
			return
		}
		sleepShort()
	}
	t.Fatalf("journal of %s never held %d %s events", ref, n, kind)
}

func TestRecipientsGroupedByTenant(t *testing.T) {
	e := newEnv(t, "", e2eTenant, e2eSecondTenant)
	d := e.serve()
	out, err := d.swaks(t, "--from", "paul@example.org",
		"--to", "contact@mairie-saint-exemple.fr,urbanisme@mairie-saint-exemple.fr,accueil@cc-autre-ville.fr",
		"--header", "Subject: Travaux rue des Lilas")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	refs := refsOf(t, out)
	if len(refs) != 2 {
		t.Fatalf("refs = %v, want one dossier per tenant", refs)
	}
	if !strings.HasPrefix(refs[0], "SAINTEX-") || !strings.HasPrefix(refs[1], "AUTRE-") {
		t.Errorf("refs = %v, want SAINTEX then AUTRE", refs)
	}
	// Two tenants, each with an AEE and a forward.
	waitFiles(t, e.outbox(), 4)
	list := e.mustCLI("dossiers", "list", "--tenant", "saint-exemple")
	if strings.Count(list, "SAINTEX-") != 1 {
		t.Errorf("tenant saint-exemple has %d dossiers, want 1:\n%s", strings.Count(list, "SAINTEX-"), list)
	}
}

func TestRelayRejected(t *testing.T) {
	e := newEnv(t, "")
	d := e.serve()
	out, err := d.swaks(t, "--from", "spammer@example.net", "--to", "victim@example.com",
		"--quit-after", "RCPT")
	if err == nil && !strings.Contains(out, "550 5.1.1") {
		t.Fatalf("relay attempt not rejected:\n%s", out)
	}
	if !strings.Contains(out, "550 5.1.1") {
		t.Errorf("relay attempt got no 550 5.1.1:\n%s", out)
	}
}

func TestDuplicateDeliveryOneDossier(t *testing.T) {
	e := newEnv(t, "")
	d := e.serve()
	raw := "From: Luc <luc@example.org>\r\nTo: contact@mairie-saint-exemple.fr\r\n" +
		"Subject: Inscription scolaire\r\nMessage-ID: <dup-1@example.org>\r\n\r\nBonjour.\r\n"
	file := filepath.Join(e.dir, "dup.eml")
	os.WriteFile(file, []byte(raw), 0o600)

	first, err := d.swaks(t, "--from", "luc@example.org", "--to", "contact@mairie-saint-exemple.fr", "--data", "@"+file)
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, first)
	}
	second, err := d.swaks(t, "--from", "luc@example.org", "--to", "contact@mairie-saint-exemple.fr", "--data", "@"+file)
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, second)
	}
	if a, b := refsOf(t, first), refsOf(t, second); a[0] != b[0] {
		t.Errorf("same message stored twice: %s and %s", a[0], b[0])
	}

	// A different message that reuses the Message-ID is a new dossier.
	other := strings.Replace(raw, "Bonjour.", "Bonjour, autre demande.", 1)
	os.WriteFile(file, []byte(other), 0o600)
	third, err := d.swaks(t, "--from", "luc@example.org", "--to", "contact@mairie-saint-exemple.fr", "--data", "@"+file)
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, third)
	}
	if refsOf(t, third)[0] == refsOf(t, first)[0] {
		t.Error("a different message with the same Message-ID joined the first dossier")
	}
	waitFiles(t, e.outbox(), 4)
}

func TestAutomaticMailStoredNotAnswered(t *testing.T) {
	e := newEnv(t, "")
	d := e.serve()
	raw := "From: Agent <agent@example.org>\r\nTo: contact@mairie-saint-exemple.fr\r\n" +
		"Subject: Absence du bureau\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <ooo-1@example.org>\r\n\r\n" +
		"Je suis absent jusqu'au 12.\r\n"
	file := filepath.Join(e.dir, "ooo.eml")
	os.WriteFile(file, []byte(raw), 0o600)
	out, err := d.swaks(t, "--from", "agent@example.org", "--to", "contact@mairie-saint-exemple.fr", "--data", "@"+file)
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	ref := refsOf(t, out)[0]

	// A null sender is automatic too.
	out, err = d.swaks(t, "--from", "<>", "--to", "contact@mairie-saint-exemple.fr", "--header", "Subject: Notification")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	nullRef := refsOf(t, out)[0]

	list := e.mustCLI("dossiers", "list", "--state", "automatique")
	for _, r := range []string{ref, nullRef} {
		if !strings.Contains(list, r) {
			t.Errorf("dossiers list --state automatique lacks %s:\n%s", r, list)
		}
	}
	if !strings.Contains(list, "auto-reply") || !strings.Contains(list, "null-sender") {
		t.Errorf("list does not give the reasons:\n%s", list)
	}
	sleepShort()
	if files, _ := filepath.Glob(filepath.Join(e.outbox(), "*.eml")); len(files) != 0 {
		t.Errorf("automatic mail was answered or forwarded: %v", files)
	}
}

func TestCheckConfigReportsPaths(t *testing.T) {
	e := newEnv(t, "")
	bad := strings.Replace(readFile(t, e.config), "service: urbanisme\n", "service: urba\n", 1)
	bad = strings.Replace(bad, "listen: 127.0.0.1:0", "listen: 127.0.0.1:0\n  read_timeout: 5 minutes", 1)
	os.WriteFile(e.config, []byte(bad), 0o600)
	out, err := e.cli("check-config")
	if err == nil {
		t.Fatalf("check-config accepted an invalid file:\n%s", out)
	}
	for _, want := range []string{"collectivites[0].intake[1].service", "urba", "smtp.read_timeout"} {
		if !strings.Contains(out, want) {
			t.Errorf("check-config output lacks %q:\n%s", want, out)
		}
	}
}

func TestCheckConfigExample(t *testing.T) {
	out, err := runSved("check-config", "--config", "../../config.example.yaml")
	if err != nil {
		t.Fatalf("check-config on the example: %v\n%s", err, out)
	}
	if !strings.Contains(out, "valid") {
		t.Errorf("output: %s", out)
	}
}
