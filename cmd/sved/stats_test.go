package main

import (
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

func TestComputeStats(t *testing.T) {
	cfg, err := config.Parse([]byte("hostname: mx.test.invalid\ncollectivites:\n" + e2eTenant))
	if err != nil {
		t.Fatal(err)
	}
	paris := cfg.Tenants[0].Location
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, paris)
	day := func(s string) deadline.Date {
		d, err := deadline.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	received := time.Date(2026, 11, 2, 9, 0, 0, 0, paris)
	var list []dossier.Dossier
	// Ten dossiers of accueil, the ARE sent after 1 to 10 days, the
	// answer after 2 to 20.
	for i := 1; i <= 10; i++ {
		list = append(list, dossier.Dossier{Tenant: "saint-exemple", Service: "accueil", State: dossier.StateReceived,
			ReceivedAt: received, ARESentAt: received.Add(time.Duration(i) * 24 * time.Hour),
			AnsweredAt: received.Add(time.Duration(2*i) * 24 * time.Hour), AREDue: day("2026-11-16")})
	}
	list = append(list,
		// Received this month, ARE due and overdue.
		dossier.Dossier{Tenant: "saint-exemple", Service: "urbanisme", State: dossier.StateReceived,
			ReceivedAt: time.Date(2026, 12, 1, 0, 30, 0, 0, paris), AREDue: day("2026-12-03")},
		dossier.Dossier{Tenant: "saint-exemple", Service: "urbanisme", State: dossier.StateImplicitAccord,
			ReceivedAt: received, ImplicitDecision: day("2026-11-30")},
		// Received on 30 November at 23:30 UTC, which is 1 December in
		// Paris.
		dossier.Dossier{Tenant: "saint-exemple", Service: "urbanisme", State: dossier.StateAutomatic,
			ReceivedAt: time.Date(2026, 11, 30, 23, 30, 0, 0, time.UTC)},
	)
	rows := computeStats(cfg, list, now)
	if len(rows) != 3 || rows[0].Service != "accueil" || rows[1].Service != "urbanisme" || rows[2].Service != "" {
		t.Fatalf("rows = %+v", rows)
	}
	acc := rows[0]
	if *acc.AREMedianHours != 5*24 || *acc.AREP90Hours != 9*24 || *acc.AnswerMedianHours != 10*24 ||
		*acc.AnswerP90Hours != 18*24 {
		t.Errorf("accueil times: %v %v %v %v", *acc.AREMedianHours, *acc.AREP90Hours, *acc.AnswerMedianHours,
			*acc.AnswerP90Hours)
	}
	if acc.Overdue != 0 || acc.ReceivedThisMonth != 0 || acc.ByState[dossier.StateReceived] != 10 {
		t.Errorf("accueil = %+v", acc)
	}
	urb := rows[1]
	if urb.Overdue != 1 || urb.ReceivedThisMonth != 2 || urb.ImplicitDecisions != 1 || urb.AREMedianHours != nil {
		t.Errorf("urbanisme = %+v", urb)
	}
	total := rows[2]
	if total.ByState[dossier.StateReceived] != 11 || total.ImplicitDecisions != 1 || total.Overdue != 1 ||
		total.ReceivedThisMonth != 2 {
		t.Errorf("total = %+v", total)
	}
}
