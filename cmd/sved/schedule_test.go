package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

const scheduleTenant = `
  - id: saint-exemple
    name: Commune de Saint-Exemple
    prefix: SAINTEX
    from: "Mairie de Saint-Exemple <contact@mairie-saint-exemple.fr>"
    reply:
      domain: reponse.mairie-saint-exemple.fr
    intake:
      - address: urbanisme@mairie-saint-exemple.fr
        nature: cu
    services:
      - id: urbanisme
        name: Service urbanisme
        mailbox: service-urbanisme@mairie-saint-exemple.fr
    natures:
      - id: cu
        label: Certificat d'urbanisme
        service: urbanisme
        regime: accord
        delai: 2m
    digest:
      at: "00:00"
      every_day: true
`

// TestServeSchedules stores a request received on Monday 5 January 2026
// under silence vaut accord after 2 months, with its AEE sent and no ARE.
// sved serve's scheduler then finds the ARE overdue and the acceptance
// born on 5 March. It sends the service an alert, the decision notice and
// a digest, once across a restart. The attestation and the statistics
// follow.
func TestServeSchedules(t *testing.T) {
	e := newEnv(t, "", scheduleTenant)
	cfgText := readFile(t, e.config) + "scheduler:\n  interval: 1s\n"
	if err := os.WriteFile(e.config, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	ref := storeOldRequest(t, e)

	d := e.serve()
	files := waitFiles(t, e.outbox(), 3)
	subjects := map[string]bool{}
	for _, f := range files {
		m := message.Parse([]byte(readFile(t, f)))
		subjects[m.Subject] = true
	}
	for _, want := range []string{
		"[" + ref + "] Échéance dépassée : l'accusé de réception était dû le lundi 19 janvier 2026",
		"[" + ref + "] Accord implicite né le jeudi 5 mars 2026",
	} {
		if !subjects[want] {
			t.Errorf("no mail with subject %q in %v", want, subjects)
		}
	}
	digest := false
	for s := range subjects {
		digest = digest || strings.HasPrefix(s, "Dossiers en cours – Service urbanisme – ")
	}
	if !digest {
		t.Errorf("no digest in %v", subjects)
	}

	show := e.mustCLI("dossiers", "show", ref)
	folded := strings.Join(strings.Fields(show), " ")
	for _, want := range []string{"State: accord_implicite", "Implicit decision: 2026-03-05, born", "implicit_decision",
		"alert", "(hash chain valid)"} {
		if !strings.Contains(folded, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}
	att := e.mustCLI("dossiers", "attestation", strings.ToLower(ref))
	for _, want := range []string{"ATTESTATION DE DÉCISION IMPLICITE D'ACCEPTATION", "L232-3", ref,
		"Certificat d'urbanisme", "jeudi 5 mars 2026"} {
		if !strings.Contains(att, want) {
			t.Errorf("attestation lacks %q:\n%s", want, att)
		}
	}
	if html := e.mustCLI("dossiers", "attestation", ref, "--html"); !strings.Contains(html, "<h1") {
		t.Errorf("attestation --html:\n%s", html)
	}

	stats := e.mustCLI("stats", "--json")
	var rows []statsRow
	if err := json.Unmarshal([]byte(stats), &rows); err != nil {
		t.Fatalf("stats --json: %v\n%s", err, stats)
	}
	if len(rows) != 2 || rows[0].Service != "urbanisme" || rows[1].Service != "" {
		t.Fatalf("stats rows = %+v", rows)
	}
	if r := rows[1]; r.ImplicitDecisions != 1 || r.Overdue != 1 || r.ByState[dossier.StateImplicitAccord] != 1 {
		t.Errorf("total row = %+v", r)
	}
	if table := e.mustCLI("stats"); !strings.Contains(table, "(total)") || !strings.Contains(table, "accord_implicite") {
		t.Errorf("stats table:\n%s", table)
	}

	// A restart sends nothing again.
	d.stop()
	e.serve()
	time.Sleep(2500 * time.Millisecond)
	waitFiles(t, e.outbox(), 3)

	if out, err := e.cli("dossiers", "attestation", "SAINTEX-2026-999999"); err == nil ||
		!strings.Contains(out, "not found") {
		t.Errorf("attestation of a missing dossier: %v\n%s", err, out)
	}
}

// storeOldRequest stores, before sved serve starts, a request received
// on Monday 5 January 2026 at 10:00 in Paris, and marks its AEE and
// forward sent.
func storeOldRequest(t *testing.T, e *env) string {
	t.Helper()
	cfg, err := config.Load(e.config)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	received := time.Date(2026, 1, 5, 10, 0, 0, 0, paris)
	if err := os.MkdirAll(e.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(e.dataDir, "sved.db"), store.Options{Now: func() time.Time { return received }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := notify.New(cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	p := intake.New(func() *config.Config { return cfg }, st, r, slog.New(slog.NewTextHandler(io.Discard, nil)))
	raw := "From: Jeanne Martin <jeanne@example.org>\r\nTo: urbanisme@mairie-saint-exemple.fr\r\n" +
		"Subject: Certificat d'urbanisme\r\nMessage-ID: <cu-1@example.org>\r\n\r\nBonjour.\r\n"
	res, err := p.Deliver(context.Background(), &intake.Envelope{Channel: dossier.ChannelSMTP,
		From: "jeanne@example.org", Recipients: []string{"urbanisme@mairie-saint-exemple.fr"}, Raw: []byte(raw)})
	if err != nil || len(res) != 1 {
		t.Fatalf("Deliver: %v, %v", res, err)
	}
	mails, err := st.Mails(res[0].Ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if err := st.MarkSent(m.ID, "250 test"); err != nil {
			t.Fatal(err)
		}
	}
	return res[0].Ref
}
