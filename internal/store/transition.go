package store

import (
	"context"
	"fmt"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

// Qualification is the nature that staff give a dossier, with the
// regime and délai that nature has in the tenant's configuration.
type Qualification struct {
	Nature string
	Regime dossier.Regime
	Delai  deadline.Delai
	// Service is the service the nature routes to, or "" to keep the
	// dossier's service.
	Service string
}

// RequestPieces records that actor asked the requester for missing
// pieces on day on, granting them the délai granted, and moves the
// implicit-decision date as CRPA L114-5 says: under silence vaut accord
// the date is gone until the pieces arrive, under silence vaut rejet the
// délai is suspended for the granted délai.
func (s *Store) RequestPieces(ctx context.Context, ref string, cal *deadline.Calendar,
	on deadline.Date, granted deadline.Delai, actor string) (*dossier.Dossier, error) {
	return s.UpdateDue(ctx, ref, cal, func(d *dossier.Dossier) ([]dossier.Event, error) {
		if err := d.RequestPieces(on, granted); err != nil {
			return nil, err
		}
		d.RecomputeDue(cal)
		return []dossier.Event{dueEvent(d, dossier.EventPiecesRequested, actor, map[string]string{
			"requested": on.String(),
			"granted":   granted.String(),
		})}, nil
	})
}

// ReceivePieces records that the last missing piece arrived on day on,
// as actor observed it. Under silence vaut accord the délai restarts in
// full from that day; under silence vaut rejet the suspension ends that
// day, or at the end of the granted délai when that came first.
func (s *Store) ReceivePieces(ctx context.Context, ref string, cal *deadline.Calendar,
	on deadline.Date, actor string) (*dossier.Dossier, error) {
	return s.UpdateDue(ctx, ref, cal, func(d *dossier.Dossier) ([]dossier.Event, error) {
		if err := d.ReceivePieces(on); err != nil {
			return nil, err
		}
		d.RecomputeDue(cal)
		return []dossier.Event{dueEvent(d, dossier.EventPiecesReceived, actor, map[string]string{
			"received": on.String(),
		})}, nil
	})
}

// Requalify gives the dossier the nature q, as actor decided, and
// recomputes its implicit-decision date with the nature's regime and
// délai from the original receipt instant.
func (s *Store) Requalify(ctx context.Context, ref string, cal *deadline.Calendar,
	q Qualification, actor string) (*dossier.Dossier, error) {
	if !q.Regime.Valid() {
		return nil, fmt.Errorf("requalify %s: unknown regime %q", ref, q.Regime)
	}
	if q.Regime != dossier.RegimeUnqualified && q.Regime != dossier.RegimeAucun && !q.Delai.IsValid() {
		return nil, fmt.Errorf("requalify %s: regime %s needs a valid délai, got %q", ref, q.Regime, q.Delai)
	}
	return s.UpdateDue(ctx, ref, cal, func(d *dossier.Dossier) ([]dossier.Event, error) {
		fields := map[string]string{
			"nature":        q.Nature,
			"regime":        string(q.Regime),
			"delai":         q.Delai.String(),
			"former_nature": d.Nature,
		}
		d.Nature, d.Regime, d.Delai = q.Nature, q.Regime, q.Delai
		if q.Service != "" && q.Service != d.Service {
			fields["service"] = q.Service
			fields["former_service"] = d.Service
			d.Service = q.Service
		}
		d.RecomputeDue(cal)
		return []dossier.Event{dueEvent(d, dossier.EventRequalified, actor, fields)}, nil
	})
}

// dueEvent returns an event of kind by actor whose fields are fields
// plus the dossier's due dates after the change.
func dueEvent(d *dossier.Dossier, kind dossier.EventKind, actor string,
	fields map[string]string) dossier.Event {
	fields["aee_due"] = d.AEEDue.String()
	fields["are_due"] = d.AREDue.String()
	fields["implicit_decision"] = d.ImplicitDecision.String()
	return dossier.Event{Kind: kind, Actor: actor, Fields: fields}
}
