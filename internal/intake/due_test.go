package intake

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

// TestDeliverSetsDueDates delivers to an intake address whose default
// nature is silence vaut accord after 2 months, on Wednesday 5 May 2027
// at 18:00, in a commune closed on the pont of Friday 7 May.
func TestDeliverSetsDueDates(t *testing.T) {
	yaml := strings.Replace(pipelineConfig, "        service: urbanisme\n",
		"        service: urbanisme\n        nature: cu\n", 1)
	yaml = strings.Replace(yaml, `    natures:
      - id: info
        label: Demande d'information
        service: accueil
        regime: aucun
`, `    calendar:
      closure_days: [2027-05-07]
    natures:
      - id: info
        label: Demande d'information
        service: accueil
        regime: aucun
      - id: cu
        label: Certificat d'urbanisme
        service: urbanisme
        regime: accord
        delai: 2m
`, 1)
	cfg, err := config.Parse([]byte(yaml))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	received := time.Date(2027, 5, 5, 18, 0, 0, 0, paris)
	st, err := store.Open(filepath.Join(t.TempDir(), "sved.db"),
		store.Options{Now: func() time.Time { return received }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := notify.New(cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	p := New(func() *config.Config { return cfg }, st, r, slog.New(slog.NewTextHandler(io.Discard, nil)))

	deliver := func(rcpt, id string) *dossier.Dossier {
		raw := strings.Replace(request, "<req-1@example.org>", "<"+id+"@example.org>", 1)
		res, err := p.Deliver(context.Background(), &Envelope{Channel: dossier.ChannelSMTP,
			From: "jeanne@example.org", Recipients: []string{rcpt}, Raw: []byte(raw)})
		if err != nil {
			t.Fatalf("Deliver to %s: %v", rcpt, err)
		}
		d, err := st.Get(res[0].Ref)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	d := deliver("urbanisme@ville.example.fr", "cu")
	if d.Nature != "cu" || d.Regime != dossier.RegimeAccord || d.Delai.String() != "2m" {
		t.Errorf("nature %q regime %q délai %q, want cu accord 2m", d.Nature, d.Regime, d.Delai)
	}
	for name, got := range map[string]string{
		"AEEDue":           d.AEEDue.String(),
		"AREDue":           d.AREDue.String(),
		"ImplicitDecision": d.ImplicitDecision.String(),
	} {
		want := map[string]string{"AEEDue": "2027-05-10", "AREDue": "2027-05-24",
			"ImplicitDecision": "2027-07-05"}[name]
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}

	mails, err := st.Mails(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(mails) != 2 {
		t.Fatalf("%d mails queued, want the AEE and the forward", len(mails))
	}
	const stated = "au plus tard le lundi 24 mai 2027"
	const statedForward = "au plus tard le lundi 24 mai 2027"
	for _, m := range mails {
		raw, err := st.MailRaw(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(raw)), " ")
		if m.Kind == "aee" && !strings.Contains(text, stated) {
			t.Errorf("AEE does not state the ARE due date:\n%s", text)
		}
		if m.Kind == "forward" && !strings.Contains(text, statedForward) {
			t.Errorf("forward does not state the ARE due date:\n%s", text)
		}
	}

	unqualified := deliver("contact@ville.example.fr", "info")
	if unqualified.Nature != "" || unqualified.Regime != dossier.RegimeUnqualified {
		t.Errorf("nature %q regime %q, want a dossier to be qualified", unqualified.Nature, unqualified.Regime)
	}
	if unqualified.AREDue.String() != "2027-05-24" || !unqualified.ImplicitDecision.IsZero() {
		t.Errorf("to be qualified: ARE %s decision %s, want 2027-05-24 and none",
			unqualified.AREDue, unqualified.ImplicitDecision)
	}
}
