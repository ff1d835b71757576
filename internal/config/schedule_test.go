package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestScheduleDefaults(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	if cfg.Scheduler.Interval != time.Minute {
		t.Errorf("scheduler.interval = %s, want 1m", cfg.Scheduler.Interval)
	}
	tn := cfg.Tenants[0]
	if !slices.Equal(tn.Alerts.ARE, []int{2}) || !slices.Equal(tn.Alerts.Decision, []int{10}) ||
		len(tn.Alerts.AEE) != 0 {
		t.Errorf("alerts = %+v, want are [2], decision [10], aee none", tn.Alerts)
	}
	if tn.Digest.At != "08:00" || !tn.Digest.Enabled() || tn.Digest.EveryDay {
		t.Errorf("digest = %+v", tn.Digest)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2026, 12, 4, 7, 59, 0, 0, paris), false},
		{time.Date(2026, 12, 4, 8, 0, 0, 0, paris), true},
		{time.Date(2026, 12, 4, 23, 0, 0, 0, paris), true},
	} {
		if got := tn.Digest.Due(c.at); got != c.want {
			t.Errorf("Digest.Due(%s) = %v, want %v", c.at.Format("15:04"), got, c.want)
		}
	}
}

func TestScheduleSettings(t *testing.T) {
	m := baseMap(t)
	set(t, m, "collectivites[0].alerts", map[string]any{"are": []any{}, "decision": []any{20, 5}, "aee": []any{1}})
	set(t, m, "collectivites[0].digest", map[string]any{"at": "off"})
	set(t, m, "collectivites[1].digest", map[string]any{"at": "7:30", "every_day": true})
	m["scheduler"] = map[string]any{"interval": "30s"}
	cfg, err := Parse(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Tenants[0].Alerts
	if len(a.ARE) != 0 || !slices.Equal(a.Decision, []int{5, 20}) || !slices.Equal(a.AEE, []int{1}) {
		t.Errorf("alerts = %+v, want are none, decision [5 20], aee [1]", a)
	}
	if cfg.Tenants[0].Digest.Enabled() {
		t.Error("digest at: off is enabled")
	}
	d := cfg.Tenants[1].Digest
	if !d.Enabled() || !d.EveryDay || d.Due(time.Date(2026, 1, 1, 7, 29, 0, 0, time.UTC)) {
		t.Errorf("digest 7:30 = %+v", d)
	}
	if cfg.Scheduler.Interval != 30*time.Second {
		t.Errorf("interval = %s", cfg.Scheduler.Interval)
	}
}

func TestScheduleValidation(t *testing.T) {
	tests := []struct {
		name string
		edit func(m map[string]any)
		path string
		msg  string
	}{
		{"zero lead", func(m map[string]any) {
			set(t, m, "collectivites[0].alerts", map[string]any{"are": []any{0}})
		}, "collectivites[0].alerts.are[0]", "from 1 to 60"},
		{"lead too long", func(m map[string]any) {
			set(t, m, "collectivites[1].alerts", map[string]any{"decision": []any{3, 90}})
		}, "collectivites[1].alerts.decision[1]", "invalid lead time 90"},
		{"digest time", func(m map[string]any) {
			set(t, m, "collectivites[0].digest", map[string]any{"at": "25:00"})
		}, "collectivites[0].digest.at", "HH:MM"},
		{"digest words", func(m map[string]any) {
			set(t, m, "collectivites[0].digest", map[string]any{"at": "le matin"})
		}, "collectivites[0].digest.at", "HH:MM"},
		{"unknown alert key", func(m map[string]any) {
			set(t, m, "collectivites[0].alerts", map[string]any{"ar": []any{2}})
		}, "collectivites[0].alerts.ar", "unknown"},
		{"interval too short", func(m map[string]any) {
			m["scheduler"] = map[string]any{"interval": "10ms"}
		}, "scheduler.interval", "at least 1s"},
		{"negative interval", func(m map[string]any) {
			m["scheduler"] = map[string]any{"interval": "-1m"}
		}, "scheduler.interval", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := baseMap(t)
			tt.edit(m)
			_, err := Parse(marshal(t, m))
			errs := fieldErrors(t, err)
			if len(errs) != 1 || errs[0].Path != tt.path || !strings.Contains(errs[0].Message, tt.msg) {
				t.Errorf("errors = %v, want one at %s containing %q", errs, tt.path, tt.msg)
			}
		})
	}
}
