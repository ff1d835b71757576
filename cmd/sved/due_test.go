package main

import (
	"strings"
	"testing"
	"time"
)

// TestDossiersListDueBefore lists due dates through the control socket
// while sved serve runs, then through the store file once it stopped.
func TestDossiersListDueBefore(t *testing.T) {
	e := newEnv(t, "", e2eTenant)
	d := e.serve()
	out, err := d.swaks(t, "--from", "paul@example.org", "--to", "contact@mairie-saint-exemple.fr",
		"--header", "Subject: Demande de rendez-vous")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	refs := refsOf(t, out)
	if len(refs) != 1 {
		t.Fatalf("refs = %v, want one", refs)
	}
	ref := refs[0]
	waitFiles(t, e.outbox(), 2)

	check := func(via string) {
		// The AEE went out, so only the ARE is still due.
		all := e.mustCLI("dossiers", "list", "--due-before", "2999-01-01")
		folded := strings.Join(strings.Fields(all), " ")
		if strings.Contains(folded, "aee "+ref) || !strings.Contains(folded, "are "+ref) {
			t.Errorf("%s: --due-before 2999-01-01 lists the sent AEE or lacks the ARE of %s:\n%s", via, ref, all)
		}
		if strings.Contains(all, "decision") || !strings.Contains(all, "1 due date\n") {
			t.Errorf("%s: a dossier without nature lists other than 1 due date:\n%s", via, all)
		}
		aee := e.mustCLI("dossiers", "list", "--due-before", "2999-01-01", "--kind", "aee")
		if !strings.Contains(aee, "0 due dates") {
			t.Errorf("%s: --kind aee lists:\n%s", via, aee)
		}
		// The AEE is due after the day of receipt, so nothing is due
		// before that day.
		today := time.Now().Format(time.DateOnly)
		none := e.mustCLI("dossiers", "list", "--due-before", today)
		if !strings.Contains(none, "0 due dates") {
			t.Errorf("%s: --due-before %s lists:\n%s", via, today, none)
		}
		if out, err := e.cli("dossiers", "list", "--due-before", "01/02/2027"); err == nil {
			t.Errorf("%s: --due-before 01/02/2027 succeeded:\n%s", via, out)
		}
		show := e.mustCLI("dossiers", "show", ref)
		for _, want := range []string{"Regime:", "(to be qualified)", "AEE due:", ", sent ", "ARE due:",
			"Implicit decision: (none)"} {
			if !strings.Contains(strings.Join(strings.Fields(show), " "), want) {
				t.Errorf("%s: show lacks %q:\n%s", via, want, show)
			}
		}
	}
	check("control socket")
	d.stop()
	check("store file")
}
