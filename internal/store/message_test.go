package store

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/sved-project/sved/internal/dossier"
)

func TestAddMessage(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))
	ctx := context.Background()

	noMail := func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		return []dossier.Event{{Kind: "message", Actor: "jeanne@example.org"}}, nil, nil
	}
	for _, key := range []string{"r1", "r2"} {
		created, err := s.AddMessage(ctx, d.Ref, []byte("reply "+key), key, noMail)
		if err != nil || !created {
			t.Fatalf("AddMessage(%s) = %v, %v, want true, nil", key, created, err)
		}
	}

	created, err := s.AddMessage(ctx, d.Ref, []byte("reply r1"), "r1", noMail)
	if err != nil {
		t.Fatalf("repeated AddMessage: %v", err)
	}
	if created {
		t.Error("repeated AddMessage: created = true, want false")
	}

	msgs, err := s.Messages(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{rawMessage(1), []byte("reply r1"), []byte("reply r2")}
	if len(msgs) != len(want) {
		t.Fatalf("Messages = %d, want %d", len(msgs), len(want))
	}
	for i := range want {
		if !bytes.Equal(msgs[i], want[i]) {
			t.Errorf("message %d = %q, want %q", i, msgs[i], want[i])
		}
	}
	events, err := s.Journal(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 {
		t.Errorf("journal has %d events, want 4 (received, mail_queued, 2 messages)", len(events))
	}
}

func TestAddMessageChangesState(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))

	quarantine := func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		d.State = dossier.StateQuarantined
		d.Reason = "spam"
		d.Ref = "OTHER"
		d.Token = "stolen"
		return nil, nil, nil
	}
	if _, err := s.AddMessage(context.Background(), d.Ref, []byte("spam"), "r1", quarantine); err != nil {
		t.Fatal(err)
	}

	got, err := s.Get(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != dossier.StateQuarantined || got.Reason != "spam" {
		t.Errorf("State, Reason = %q, %q, want quarantined, spam", got.State, got.Reason)
	}
	if got.Token != d.Token {
		t.Errorf("Token changed by build")
	}
	if byToken, err := s.ByToken(d.Token); err != nil || byToken.Ref != d.Ref {
		t.Errorf("ByToken = %v, %v, want %s", byToken, err, d.Ref)
	}

	tests := []struct {
		filter ListFilter
		want   int
	}{
		{ListFilter{State: dossier.StateQuarantined}, 1},
		{ListFilter{State: dossier.StateReceived}, 0},
		{ListFilter{Tenant: "lyon", State: dossier.StateQuarantined}, 1},
		{ListFilter{Tenant: "lyon", State: dossier.StateReceived}, 0},
		{ListFilter{Tenant: "lyon"}, 1},
	}
	for _, tt := range tests {
		list, err := s.List(tt.filter)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != tt.want {
			t.Errorf("List(%+v) = %d dossiers, want %d", tt.filter, len(list), tt.want)
		}
	}
}

func TestAddMessageErrors(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))
	ctx := context.Background()

	if _, err := s.AddMessage(ctx, "LYO-2026-000042", []byte("x"), "r1", buildAEE); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddMessage to a missing dossier: error = %v, want ErrNotFound", err)
	}

	errBuild := errors.New("bad reply")
	failing := func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
		return nil, nil, errBuild
	}
	if _, err := s.AddMessage(ctx, d.Ref, []byte("x"), "r1", failing); !errors.Is(err, errBuild) {
		t.Errorf("AddMessage with failing build: error = %v, want %v", err, errBuild)
	}
	msgs, err := s.Messages(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Errorf("Messages after failed AddMessage = %d, want 1", len(msgs))
	}
	// The dedup key is still free after the rollback.
	created, err := s.AddMessage(ctx, d.Ref, []byte("x"), "r1", buildAEE)
	if err != nil || !created {
		t.Errorf("AddMessage after rollback = %v, %v, want true, nil", created, err)
	}
}
