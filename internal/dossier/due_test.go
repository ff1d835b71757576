package dossier

import (
	"errors"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/deadline"
)

func mustCalendar(t *testing.T, o deadline.Options) *deadline.Calendar {
	t.Helper()
	cal, err := deadline.New(o)
	if err != nil {
		t.Fatalf("deadline.New(%+v): %v", o, err)
	}
	return cal
}

func mustDate(t *testing.T, s string) deadline.Date {
	t.Helper()
	if s == "" {
		return deadline.Date{}
	}
	d, err := deadline.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mustDelai(t *testing.T, s string) deadline.Delai {
	t.Helper()
	if s == "" {
		return deadline.Delai{}
	}
	dl, err := deadline.ParseDelai(s)
	if err != nil {
		t.Fatal(err)
	}
	return dl
}

// TestComputeDue checks the worked examples of the legal rules: receipt
// instants near holidays, weekends, month ends and clock changes.
func TestComputeDue(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	metropole := mustCalendar(t, deadline.Options{})
	pontClosed := mustCalendar(t, deadline.Options{
		ClosureDays: []deadline.Date{mustDate(t, "2027-05-07")},
	})
	alsace := mustCalendar(t, deadline.Options{AlsaceMoselle: true, GoodFriday: true})
	at := func(s string, loc *time.Location) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	type piece struct{ requested, granted, received string }

	tests := []struct {
		name     string
		cal      *deadline.Calendar
		received time.Time
		regime   Regime
		delai    string
		pieces   []piece
		aee      string
		are      string
		decision string
	}{
		{"1 christmas eve", metropole, at("2026-12-24 23:30", paris), RegimeAccord, "2m", nil,
			"2026-12-28", "2027-01-11", "2027-02-24"},
		{"1b christmas eve in UTC", metropole, at("2026-12-24 23:30", time.UTC), RegimeAccord, "2m", nil,
			"2026-12-28", "2027-01-11", "2027-02-25"},
		{"2a pont is a working day", metropole, at("2027-05-07 10:00", paris), RegimeAccord, "2m", nil,
			"2027-05-10", "2027-05-24", "2027-07-07"},
		{"2b pont open", metropole, at("2027-05-05 18:00", paris), RegimeAccord, "2m", nil,
			"2027-05-07", "2027-05-21", "2027-07-05"},
		{"2b pont closed", pontClosed, at("2027-05-05 18:00", paris), RegimeAccord, "2m", nil,
			"2027-05-10", "2027-05-24", "2027-07-05"},
		{"3 sunday receipt", metropole, at("2027-01-31 14:00", paris), RegimeAccord, "2m", nil,
			"2027-02-01", "2027-02-12", "2027-03-31"},
		{"3 CADA one month", metropole, at("2027-01-31 14:00", paris), RegimeRejet, "1m", nil,
			"2027-02-01", "2027-02-12", "2027-02-28"},
		{"4 no 31 february", metropole, at("2026-12-31 09:00", paris), RegimeAccord, "2m", nil,
			"2027-01-04", "2027-01-15", "2027-02-28"},
		{"5 after clock change", metropole, at("2026-10-31 23:30", time.UTC), RegimeAccord, "2m", nil,
			"2026-11-02", "2026-11-16", "2027-01-01"},
		{"6 metropole", metropole, at("2027-03-25 11:00", paris), RegimeAccord, "2m", nil,
			"2027-03-26", "2027-04-09", "2027-05-25"},
		{"6 alsace-moselle", alsace, at("2027-03-25 11:00", paris), RegimeAccord, "2m", nil,
			"2027-03-30", "2027-04-12", "2027-05-25"},
		{"1 accord pieces received", metropole, at("2026-12-24 23:30", paris), RegimeAccord, "2m",
			[]piece{{"2027-01-04", "1m", "2027-01-20"}},
			"2026-12-28", "2027-01-11", "2027-03-20"},
		{"1 accord pieces missing", metropole, at("2026-12-24 23:30", paris), RegimeAccord, "2m",
			[]piece{{"2027-01-04", "1m", ""}},
			"2026-12-28", "2027-01-11", ""},
		{"1 rejet pieces received", metropole, at("2026-12-24 23:30", paris), RegimeRejet, "2m",
			[]piece{{"2027-01-04", "1m", "2027-01-20"}},
			"2026-12-28", "2027-01-11", "2027-03-12"},
		{"1 rejet pieces missing", metropole, at("2026-12-24 23:30", paris), RegimeRejet, "2m",
			[]piece{{"2027-01-04", "1m", ""}},
			"2026-12-28", "2027-01-11", "2027-03-27"},
		{"regime aucun", metropole, at("2026-12-24 23:30", paris), RegimeAucun, "2m", nil,
			"2026-12-28", "2027-01-11", ""},
		{"to be qualified", metropole, at("2026-12-24 23:30", paris), RegimeUnqualified, "", nil,
			"2026-12-28", "2027-01-11", ""},
		{"accord without délai", metropole, at("2026-12-24 23:30", paris), RegimeAccord, "", nil,
			"2026-12-28", "2027-01-11", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pieces []PiecesRequest
			for _, p := range tt.pieces {
				pieces = append(pieces, PiecesRequest{
					Requested: mustDate(t, p.requested),
					Granted:   mustDelai(t, p.granted),
					Received:  mustDate(t, p.received),
				})
			}
			got := ComputeDue(tt.cal, tt.received, tt.regime, mustDelai(t, tt.delai), pieces)
			if got.AEE.String() != tt.aee {
				t.Errorf("AEE due = %s, want %s", got.AEE, tt.aee)
			}
			if got.ARE.String() != tt.are {
				t.Errorf("ARE due = %s, want %s", got.ARE, tt.are)
			}
			if got.Decision.String() != tt.decision {
				t.Errorf("decision = %q, want %q", got.Decision, tt.decision)
			}
		})
	}
}

func TestRecomputeDueState(t *testing.T) {
	cal := mustCalendar(t, deadline.Options{})
	received := time.Date(2027, 1, 31, 13, 0, 0, 0, time.UTC)
	d := &Dossier{State: StateReceived, ReceivedAt: received, Regime: RegimeAccord,
		Delai: mustDelai(t, "2m")}

	d.RecomputeDue(cal)
	if got := d.ImplicitDecision.String(); got != "2027-03-31" {
		t.Errorf("received: decision = %q, want 2027-03-31", got)
	}

	d.State = StateAutomatic
	d.RecomputeDue(cal)
	if d.Due() != (Due{}) {
		t.Errorf("automatic: due = %+v, want none", d.Due())
	}

	d.State = StateReceived
	d.RecomputeDue(nil)
	if d.Due() != (Due{}) {
		t.Errorf("nil calendar: due = %+v, want none", d.Due())
	}
}

func TestPiecesTransitions(t *testing.T) {
	d := &Dossier{Ref: "T-2027-000001"}
	month := mustDelai(t, "1m")

	if err := d.ReceivePieces(mustDate(t, "2027-01-10")); !errors.Is(err, ErrNoPiecesPending) {
		t.Errorf("receive with no request: err = %v, want ErrNoPiecesPending", err)
	}
	if err := d.RequestPieces(mustDate(t, "2027-01-04"), deadline.Delai{}); err == nil {
		t.Error("request with zero délai: err = nil")
	}
	if err := d.RequestPieces(mustDate(t, "2027-01-04"), month); err != nil {
		t.Fatalf("request: %v", err)
	}
	if err := d.RequestPieces(mustDate(t, "2027-01-05"), month); !errors.Is(err, ErrPiecesPending) {
		t.Errorf("second request while pending: err = %v, want ErrPiecesPending", err)
	}
	if err := d.ReceivePieces(mustDate(t, "2027-01-03")); err == nil {
		t.Error("receipt before the request: err = nil")
	}
	if err := d.ReceivePieces(mustDate(t, "2027-01-20")); err != nil {
		t.Fatalf("receive: %v", err)
	}
	if d.PendingPieces() != nil {
		t.Error("pending request after receipt")
	}
	if err := d.RequestPieces(mustDate(t, "2027-01-02"), month); err == nil {
		t.Error("request before the previous one: err = nil")
	}
	if len(d.Pieces) != 1 || d.Pieces[0].Received.String() != "2027-01-20" {
		t.Errorf("pieces = %+v", d.Pieces)
	}
}
