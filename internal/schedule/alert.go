package schedule

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

// actor is the journal actor of the scheduler's events.
const actor = "scheduler"

// decide moves dossier ref to its implicit decision when, inside the
// transaction, it still waits for one whose date is before today, and
// queues the notice to its service. It reports whether it did.
func (s *Scheduler) decide(ctx context.Context, t *config.Tenant, ref string, today deadline.Date,
	now time.Time) (bool, error) {
	_, changed, err := s.store.Update(ctx, ref, nil, "", func(d *dossier.Dossier) (store.Change, error) {
		if !d.State.AwaitsDecision() || d.ImplicitDecision.IsZero() || !d.ImplicitDecision.Before(today) {
			return store.Change{}, nil
		}
		switch d.Regime {
		case dossier.RegimeAccord:
			d.State = dossier.StateImplicitAccord
		case dossier.RegimeRejet:
			d.State = dossier.StateImplicitRejection
		default:
			return store.Change{}, nil
		}
		d.DecidedAt = now.UTC()
		events := []dossier.Event{{
			At: now.UTC(), Kind: dossier.EventImplicitDecision, Actor: actor,
			Fields: map[string]string{
				"regime":            string(d.Regime),
				"state":             string(d.State),
				"implicit_decision": d.ImplicitDecision.String(),
			},
		}}
		var mails []store.OutboundMail
		if svc := serviceOf(t, d); svc != nil {
			m, err := s.renderer.Implicit(t, d, svc, now)
			if err != nil {
				return store.Change{}, err
			}
			mails = append(mails, m)
		}
		return store.Change{Events: append(events, store.QueuedEvents(mails, now)...), Mails: mails}, nil
	})
	if err != nil {
		return false, err
	}
	if changed {
		s.log.Info("implicit decision born", "tenant", t.ID, "dossier", ref)
	}
	return changed, nil
}

// alert queues the alert about item to the dossier's service, once. The
// alert's name contains the dossier, the kind, the due date and the lead
// time (0 when overdue), so a date that moves gets alerts of its own.
// Inside the transaction the alert is dropped when the date is no longer
// pending, because the letter went out or the dates moved.
func (s *Scheduler) alert(ctx context.Context, t *config.Tenant, item store.DueItem, today deadline.Date,
	now time.Time, lead int, overdue bool) (bool, error) {
	name := alertName(item, lead, overdue)
	if done, err := s.store.Done(name); err != nil || done {
		return false, err
	}
	_, sent, err := s.store.Update(ctx, item.Dossier.Ref, nil, name, func(d *dossier.Dossier) (store.Change, error) {
		if d.Pending().Date(item.Kind) != item.Date {
			return store.Change{}, nil
		}
		svc := serviceOf(t, d)
		if svc == nil {
			return store.Change{}, fmt.Errorf("tenant %s has no service to warn", t.ID)
		}
		m, err := s.renderer.Alert(t, d, svc, item.Kind, item.Date, today, now)
		if err != nil {
			return store.Change{}, err
		}
		fields := map[string]string{
			"kind":    string(item.Kind),
			"due":     item.Date.String(),
			"service": svc.ID,
		}
		if overdue {
			fields["overdue"] = "true"
		} else {
			fields["lead_working_days"] = strconv.Itoa(lead)
		}
		events := []dossier.Event{{At: now.UTC(), Kind: dossier.EventAlert, Actor: actor, Fields: fields}}
		mails := []store.OutboundMail{m}
		return store.Change{Events: append(events, store.QueuedEvents(mails, now)...), Mails: mails}, nil
	})
	if err != nil {
		return false, err
	}
	if sent {
		s.log.Info("alert queued", "tenant", t.ID, "dossier", item.Dossier.Ref, "kind", string(item.Kind),
			"due", item.Date.String(), "overdue", overdue)
	}
	return sent, nil
}

// alertName names an alert in the store's once bucket.
func alertName(item store.DueItem, lead int, overdue bool) string {
	when := "lead-" + strconv.Itoa(lead)
	if overdue {
		when = "overdue"
	}
	return "alert " + item.Dossier.Ref + " " + string(item.Kind) + " " + item.Date.String() + " " + when
}
