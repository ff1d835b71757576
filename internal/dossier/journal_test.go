package dossier

import (
	"strings"
	"testing"
	"time"
)

func chain(n int) []Event {
	events := make([]Event, n)
	var prev *Event
	for i := range events {
		events[i] = Event{
			At:     time.Date(2026, 12, 4, 10, i, 0, 0, time.UTC),
			Kind:   EventMailQueued,
			Actor:  "sved",
			Fields: map[string]string{"kind": "aee", "to": "jeanne@example.org"},
		}
		events[i].Seal(prev)
		prev = &events[i]
	}
	return events
}

func TestVerifyChainValid(t *testing.T) {
	if err := VerifyChain(chain(4)); err != nil {
		t.Fatal(err)
	}
	if err := VerifyChain(nil); err != nil {
		t.Errorf("empty journal: %v", err)
	}
}

func TestVerifyChainDetectsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func([]Event) []Event
		want   string
	}{
		{"changed field", func(e []Event) []Event { e[1].Fields["to"] = "x@example.net"; return e }, "event 1: hash"},
		{"changed time", func(e []Event) []Event { e[2].At = e[2].At.Add(time.Second); return e }, "event 2: hash"},
		{"removed event", func(e []Event) []Event { return append(e[:1], e[2:]...) }, "event 1: sequence"},
		{"resealed event", func(e []Event) []Event {
			e[1].Text = "forged"
			e[1].Seal(&e[0])
			return e
		}, "event 2: previous hash"},
		{"first event not genesis", func(e []Event) []Event { return e[1:] }, "event 0: sequence"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyChain(c.tamper(chain(4)))
			if err == nil {
				t.Fatal("tampering not detected")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestStateValid(t *testing.T) {
	for _, s := range States {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	if State("ouvert").Valid() {
		t.Error(`"ouvert" is valid`)
	}
}
