package dossier

import (
	"errors"
	"fmt"
	"time"

	"github.com/sved-project/sved/internal/deadline"
)

// Regime is the implicit-decision regime of a dossier: what the
// collectivité's silence decides when the délai ends without an answer.
type Regime string

const (
	// RegimeUnqualified is a dossier whose nature staff have not set
	// yet (à qualifier). It has no implicit-decision date.
	RegimeUnqualified Regime = ""
	// RegimeAccord is silence vaut accord (CRPA L231-1).
	RegimeAccord Regime = "accord"
	// RegimeRejet is silence vaut rejet (CRPA L231-4).
	RegimeRejet Regime = "rejet"
	// RegimeAucun is a message with no implicit decision, such as a
	// request for information.
	RegimeAucun Regime = "aucun"
)

// Valid reports whether r is a known regime, the unqualified one
// included.
func (r Regime) Valid() bool {
	switch r {
	case RegimeUnqualified, RegimeAccord, RegimeRejet, RegimeAucun:
		return true
	}
	return false
}

// DueKind names one of the due dates of a dossier.
type DueKind string

const (
	DueAEE      DueKind = "aee"      // accusé d'enregistrement
	DueARE      DueKind = "are"      // accusé de réception
	DueDecision DueKind = "decision" // birth of the implicit decision
)

// DueKinds lists every due kind, in the order of the legal life of a
// dossier.
var DueKinds = []DueKind{DueAEE, DueARE, DueDecision}

// Valid reports whether k is a known due kind.
func (k DueKind) Valid() bool {
	return k == DueAEE || k == DueARE || k == DueDecision
}

// PiecesRequest is one request for missing pieces (pièces
// complémentaires) sent to the requester (CRPA L114-5).
type PiecesRequest struct {
	// Requested is the day the collectivité asked for the pieces.
	Requested deadline.Date `json:"requested"`
	// Granted is the délai given to the requester, counted from
	// Requested.
	Granted deadline.Delai `json:"granted"`
	// Received is the day the last requested piece arrived, or the zero
	// Date while one is missing.
	Received deadline.Date `json:"received,omitzero"`
	// Items lists the missing pieces as staff wrote them.
	Items []string `json:"items,omitempty"`
}

// Due is the set of due dates of a dossier. A zero Date means that the
// dossier has no such date.
type Due struct {
	AEE      deadline.Date
	ARE      deadline.Date
	Decision deadline.Date
}

// Date returns the due date of kind k.
func (u Due) Date(k DueKind) deadline.Date {
	switch k {
	case DueAEE:
		return u.AEE
	case DueARE:
		return u.ARE
	case DueDecision:
		return u.Decision
	}
	return deadline.Date{}
}

// ComputeDue returns the due dates of a request received at instant
// received, under regime with the implicit-decision délai delai, after
// the requests for pieces in pieces, in calendar cal.
//
// The AEE is due by the end of the 1st jour ouvré after the date of
// receipt and the ARE by the end of the 10th. Under silence vaut accord
// the implicit acceptance restarts in full when the last missing piece
// arrives, and has no date while a piece is missing. Under silence vaut
// rejet the délai is suspended from each request until the pieces arrive
// or the granted délai ends, whichever is first. Regimes aucun and
// unqualified, and an invalid délai, give no decision date.
func ComputeDue(cal *deadline.Calendar, received time.Time, regime Regime, delai deadline.Delai,
	pieces []PiecesRequest) Due {
	u := Due{AEE: cal.AEEDue(received), ARE: cal.AREDue(received)}
	if !delai.IsValid() {
		return u
	}
	start := cal.ReceiptDate(received)
	requests := make([]deadline.PiecesRequest, len(pieces))
	for i, p := range pieces {
		requests[i] = deadline.PiecesRequest{Requested: p.Requested, Granted: p.Granted, Received: p.Received}
	}
	switch regime {
	case RegimeAccord:
		if d, ok := deadline.ImplicitAcceptance(start, delai, requests); ok {
			u.Decision = d
		}
	case RegimeRejet:
		u.Decision = deadline.ImplicitRejection(start, delai, requests)
	}
	return u
}

// HasDeadlines reports whether a dossier in state s may have due dates.
// Automatic and quarantined envois get no acknowledgement and no
// decision, so they have none. A dossier whose implicit decision is
// born may still owe its AEE or ARE.
func (s State) HasDeadlines() bool {
	return s.AwaitsDecision() || s.Implicit()
}

// AwaitsDecision reports whether a dossier in state s waits for a
// decision, express or implicit, so that its implicit-decision date is
// still ahead of it.
func (s State) AwaitsDecision() bool {
	return s == StateReceived || s == StateRegistered
}

// Implicit reports whether s is the state of an implicit decision.
func (s State) Implicit() bool {
	return s == StateImplicitAccord || s == StateImplicitRejection
}

// Pending returns the due dates that still call for an action: the AEE
// and ARE while they are not sent, and the implicit decision while the
// dossier waits for one. A dossier whose state has no deadlines has
// none.
func (d *Dossier) Pending() Due {
	var u Due
	if !d.State.HasDeadlines() {
		return u
	}
	if d.AEESentAt.IsZero() {
		u.AEE = d.AEEDue
	}
	if d.ARESentAt.IsZero() {
		u.ARE = d.AREDue
	}
	if d.State.AwaitsDecision() {
		u.Decision = d.ImplicitDecision
	}
	return u
}

// Due returns the stored due dates of d.
func (d *Dossier) Due() Due {
	return Due{AEE: d.AEEDue, ARE: d.AREDue, Decision: d.ImplicitDecision}
}

// RecomputeDue sets the due dates of d from its receipt instant, state,
// regime, délai and requests for pieces, in calendar cal. A dossier
// whose state has no deadlines, or a nil cal, gets zero dates.
func (d *Dossier) RecomputeDue(cal *deadline.Calendar) {
	var u Due
	if cal != nil && d.State.HasDeadlines() && !d.ReceivedAt.IsZero() {
		u = ComputeDue(cal, d.ReceivedAt, d.Regime, d.Delai, d.Pieces)
	}
	d.AEEDue, d.AREDue, d.ImplicitDecision = u.AEE, u.ARE, u.Decision
}

// ErrPiecesPending is returned by RequestPieces while an earlier request
// for pieces is still unanswered.
var ErrPiecesPending = errors.New("an earlier request for pieces is still unanswered")

// ErrNoPiecesPending is returned by ReceivePieces when no request for
// pieces waits for an answer.
var ErrNoPiecesPending = errors.New("no request for pieces is waiting")

// PendingPieces returns the request for pieces that waits for an answer,
// or nil.
func (d *Dossier) PendingPieces() *PiecesRequest {
	for i := range d.Pieces {
		if d.Pieces[i].Received.IsZero() {
			return &d.Pieces[i]
		}
	}
	return nil
}

// RequestPieces records a request for missing pieces sent on day on,
// with the délai granted to supply them. It does not recompute the due
// dates.
func (d *Dossier) RequestPieces(on deadline.Date, granted deadline.Delai) error {
	if !on.IsValid() {
		return fmt.Errorf("request for pieces of %s: invalid date %q", d.Ref, on)
	}
	if !granted.IsValid() {
		return fmt.Errorf("request for pieces of %s: invalid délai %q", d.Ref, granted)
	}
	if d.PendingPieces() != nil {
		return fmt.Errorf("request for pieces of %s: %w", d.Ref, ErrPiecesPending)
	}
	if n := len(d.Pieces); n > 0 && on.Before(d.Pieces[n-1].Requested) {
		return fmt.Errorf("request for pieces of %s: %s is before the previous request of %s",
			d.Ref, on, d.Pieces[n-1].Requested)
	}
	d.Pieces = append(d.Pieces, PiecesRequest{Requested: on, Granted: granted})
	return nil
}

// ReceivePieces records that the last missing piece of the pending
// request arrived on day on. It does not recompute the due dates.
func (d *Dossier) ReceivePieces(on deadline.Date) error {
	if !on.IsValid() {
		return fmt.Errorf("pieces received for %s: invalid date %q", d.Ref, on)
	}
	p := d.PendingPieces()
	if p == nil {
		return fmt.Errorf("pieces received for %s: %w", d.Ref, ErrNoPiecesPending)
	}
	if on.Before(p.Requested) {
		return fmt.Errorf("pieces received for %s: %s is before the request of %s", d.Ref, on, p.Requested)
	}
	p.Received = on
	return nil
}
