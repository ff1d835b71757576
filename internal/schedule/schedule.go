// Package schedule watches the legal due dates of the dossiers and warns
// the services. It sends an alert some working days before a due date
// and once it has passed, and a daily digest per service. When silence
// becomes an implicit decision, it moves the dossier to accord or rejet
// implicite and sends the service a notice.
//
// The scheduler keeps no state of its own. Each pass reads the pending
// due dates from the store's due index, decides in the tenant's
// calendar what is due today, and writes each alert or digest through
// the store with a name (see store.Update and store.QueueOnce): the mail,
// its journal event and the name commit together, and a name already
// written is never sent again. A restart therefore sends nothing twice,
// and since every pass recomputes what is due from the stored dates, an
// alert whose day passed while sved was stopped goes out at the next
// pass instead of being lost.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

// Scheduler runs the passes. Its methods may be called from several
// goroutines, though one Run is enough.
type Scheduler struct {
	config   func() *config.Config
	store    *store.Store
	renderer *notify.Renderer
	log      *slog.Logger
	now      func() time.Time
}

// New returns a scheduler. cfg is called at each pass, so a reloaded
// configuration applies to the next one. now is the clock, time.Now
// when nil.
func New(cfg func() *config.Config, st *store.Store, r *notify.Renderer, log *slog.Logger,
	now func() time.Time) *Scheduler {
	if now == nil {
		now = time.Now
	}
	return &Scheduler{config: cfg, store: st, renderer: r, log: log, now: now}
}

// Report counts what one pass did.
type Report struct {
	Decisions int // dossiers moved to an implicit decision
	Alerts    int // alerts queued
	Digests   int // digests queued
	Errors    int // items that failed; the next pass tries them again
}

// Run makes a pass at once, then one every scheduler.interval, until
// ctx is done.
func (s *Scheduler) Run(ctx context.Context) {
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("scheduler pass failed", "err", err)
		}
		interval := s.config().Scheduler.Interval
		if interval <= 0 {
			interval = config.DefaultSchedulerInterval
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// Tick makes one pass at the clock's current time. It returns an error
// only when the due index cannot be read. An item that fails is logged
// and counted in the report, and the next pass tries it again.
func (s *Scheduler) Tick(ctx context.Context) (Report, error) {
	cfg := s.config()
	now := s.now()
	var rep Report

	tenants := map[string]*config.Tenant{}
	horizon := deadline.Date{}
	for _, t := range cfg.Tenants {
		cal := t.Calendar()
		if cal == nil {
			continue
		}
		tenants[t.ID] = t
		if h := horizonOf(t, cal.ReceiptDate(now)); h.After(horizon) {
			horizon = h
		}
	}
	if len(tenants) == 0 {
		return rep, nil
	}

	items, err := s.store.DueBefore(horizon.AddDays(1))
	if err != nil {
		return rep, fmt.Errorf("scheduler: %w", err)
	}
	for _, item := range items {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		t := tenants[item.Dossier.Tenant]
		if t == nil {
			continue
		}
		s.handle(ctx, t, item, now, &rep)
	}
	for _, t := range cfg.Tenants {
		if tenants[t.ID] != nil {
			s.digests(ctx, t, now, &rep)
		}
	}
	if rep != (Report{}) {
		s.log.Info("scheduler pass", "decisions", rep.Decisions, "alerts", rep.Alerts,
			"digests", rep.Digests, "errors", rep.Errors)
	}
	return rep, nil
}

// horizonOf returns the last due date that may call for an alert today
// in tenant t: today plus its longest lead time, in working days.
func horizonOf(t *config.Tenant, today deadline.Date) deadline.Date {
	longest := 0
	for _, leads := range [][]int{t.Alerts.AEE, t.Alerts.ARE, t.Alerts.Decision} {
		for _, n := range leads {
			longest = max(longest, n)
		}
	}
	return t.Calendar().AddWorkingDays(today, longest)
}

// handle acts on one pending due date: the birth of an implicit
// decision, an overdue alert, or an alert ahead of the date.
func (s *Scheduler) handle(ctx context.Context, t *config.Tenant, item store.DueItem, now time.Time, rep *Report) {
	today := t.Calendar().ReceiptDate(now)
	ref := item.Dossier.Ref
	var err error
	switch {
	case item.Kind == dossier.DueDecision && item.Date.Before(today):
		var done bool
		done, err = s.decide(ctx, t, ref, today, now)
		if done {
			rep.Decisions++
		}
	case item.Date.Before(today):
		var sent bool
		sent, err = s.alert(ctx, t, item, today, now, 0, true)
		if sent {
			rep.Alerts++
		}
	default:
		lead, ok := firedLead(t, item, today)
		if !ok {
			return
		}
		var sent bool
		sent, err = s.alert(ctx, t, item, today, now, lead, false)
		if sent {
			rep.Alerts++
		}
	}
	if err != nil {
		rep.Errors++
		s.log.Error("scheduler could not act on a due date", "tenant", t.ID, "dossier", ref,
			"kind", string(item.Kind), "due", item.Date.String(), "err", err)
	}
}

// firedLead returns the shortest lead time of the item's kind whose day
// has come: today is on or after the date that many working days before
// the due date. After a stop of several days only the most urgent alert
// goes out, not every one missed.
func firedLead(t *config.Tenant, item store.DueItem, today deadline.Date) (int, bool) {
	var leads []int
	switch item.Kind {
	case dossier.DueAEE:
		leads = t.Alerts.AEE
	case dossier.DueARE:
		leads = t.Alerts.ARE
	case dossier.DueDecision:
		leads = t.Alerts.Decision
	}
	cal := t.Calendar()
	for _, n := range leads { // sorted, shortest first
		if !today.Before(cal.AddWorkingDays(item.Date, -n)) {
			return n, true
		}
	}
	return 0, false
}

// serviceOf returns the service of d in t, or the tenant's default
// service (else its first) when the dossier's service is gone from the
// configuration.
func serviceOf(t *config.Tenant, d *dossier.Dossier) *config.Service {
	if svc := t.Service(d.Service); svc != nil {
		return svc
	}
	if svc := t.Service(t.DefaultService); svc != nil {
		return svc
	}
	if len(t.Services) > 0 {
		return t.Services[0]
	}
	return nil
}
