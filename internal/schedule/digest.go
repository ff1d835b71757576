package schedule

import (
	"context"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

// decisionHorizon is how far ahead, in calendar days, the digest lists
// the implicit decisions coming due.
const decisionHorizon = 30

// openStates are the states whose dossiers a digest may list: waiting
// for an answer, or implicitly decided but still owing a letter.
var openStates = []dossier.State{dossier.StateReceived, dossier.StateRegistered,
	dossier.StateImplicitAccord, dossier.StateImplicitRejection}

// digests queues the digest of each service of t for today, once, when
// its hour has come. A digest with nothing to say is recorded as done
// without a mail.
func (s *Scheduler) digests(ctx context.Context, t *config.Tenant, now time.Time, rep *Report) {
	cal := t.Calendar()
	local := now.In(cal.Location())
	today := cal.ReceiptDate(now)
	if !t.Digest.Due(local) || (!t.Digest.EveryDay && !cal.IsWorkingDay(today)) {
		return
	}
	var open []dossier.Dossier
	loaded := false
	for _, svc := range t.Services {
		name := "digest " + t.ID + " " + svc.ID + " " + today.String()
		if done, err := s.store.Done(name); err != nil || done {
			if err != nil {
				rep.Errors++
				s.log.Error("scheduler could not read the digest state", "tenant", t.ID, "service", svc.ID, "err", err)
			}
			continue
		}
		if !loaded {
			var err error
			if open, err = s.openDossiers(t); err != nil {
				rep.Errors++
				s.log.Error("scheduler could not list dossiers", "tenant", t.ID, "err", err)
				return
			}
			loaded = true
		}
		data := digestData(t, svc, open, today)
		var mails []store.OutboundMail
		if !data.Empty() {
			m, err := s.renderer.Digest(t, svc, data, "digest."+t.ID+"."+svc.ID+"."+today.String(), now)
			if err != nil {
				rep.Errors++
				s.log.Error("scheduler could not render a digest", "tenant", t.ID, "service", svc.ID, "err", err)
				continue
			}
			mails = append(mails, m)
		}
		queued, err := s.store.QueueOnce(ctx, name, mails)
		if err != nil {
			rep.Errors++
			s.log.Error("scheduler could not queue a digest", "tenant", t.ID, "service", svc.ID, "err", err)
			continue
		}
		if queued && len(mails) > 0 {
			rep.Digests++
			s.log.Info("digest queued", "tenant", t.ID, "service", svc.ID, "lines", data.Count())
		}
	}
}

// openDossiers lists the dossiers of t in the open states.
func (s *Scheduler) openDossiers(t *config.Tenant) ([]dossier.Dossier, error) {
	var all []dossier.Dossier
	for _, st := range openStates {
		list, err := s.store.List(store.ListFilter{Tenant: t.ID, State: st})
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
	}
	return all, nil
}

// digestData sorts the open dossiers of service svc into the digest's
// sections, oldest receipt first in each.
func digestData(t *config.Tenant, svc *config.Service, open []dossier.Dossier, today deadline.Date) *notify.DigestData {
	data := &notify.DigestData{Date: notify.FrenchDate(today), DecisionDays: decisionHorizon}
	// List returns the newest first.
	for i := len(open) - 1; i >= 0; i-- {
		d := &open[i]
		if serviceOf(t, d) != svc {
			continue
		}
		due := d.Pending()
		if !due.AEE.IsZero() && due.AEE.Before(today) {
			data.Overdue = append(data.Overdue, notify.NewDigestLine(t, d, due.AEE, "accusé d'enregistrement"))
		}
		switch {
		case due.ARE.IsZero():
		case due.ARE.Before(today):
			data.Overdue = append(data.Overdue, notify.NewDigestLine(t, d, due.ARE, "accusé de réception"))
		default:
			data.AwaitingARE = append(data.AwaitingARE, notify.NewDigestLine(t, d, due.ARE, ""))
		}
		if p := d.PendingPieces(); p != nil && d.State.AwaitsDecision() {
			data.AwaitingPieces = append(data.AwaitingPieces,
				notify.NewDigestLine(t, d, deadline.ImplicitDecision(p.Requested, p.Granted), ""))
		}
		if !due.Decision.IsZero() && today.DaysUntil(due.Decision) <= decisionHorizon {
			data.Decisions = append(data.Decisions, notify.NewDigestLine(t, d, due.Decision, ""))
		}
	}
	return data
}
