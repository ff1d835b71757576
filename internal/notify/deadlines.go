package notify

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// Decision describes the implicit decision of a dossier for the
// letters: its regime in words, its délai and its date.
type Decision struct {
	// Accord is true under silence vaut accord, false under silence vaut
	// rejet.
	Accord  bool
	Regime  string // "silence vaut accord" or "silence vaut rejet"
	Outcome string // "acceptation" or "rejet"
	Delai   string // "2 mois", "15 jours"
	// Date is the day at whose end silence becomes the decision, as
	// "mercredi 24 février 2027", or "" when the dossier has none.
	Date string
	// RecoursEnd is, for a rejection, the last day to challenge it
	// before the administrative court (2 months, délai franc), or "".
	RecoursEnd string
	Nature     string // label of the nature of the request
	// CADA is true for a request to see administrative documents, whose
	// refusal goes to the CADA before any court.
	CADA bool
}

// Deadline describes the due date an alert is about.
type Deadline struct {
	Kind  string // "aee", "are" or "decision"
	Label string // "l'accusé de réception"...
	Date  string // "lundi 11 janvier 2027"
	// DaysLeft counts the working days after today up to and including
	// the due date: 0 on the day itself.
	DaysLeft int
	Overdue  bool // the due date has passed
}

// dueLabels names each due date in letters.
var dueLabels = map[dossier.DueKind]string{
	dossier.DueAEE:      "l'accusé d'enregistrement",
	dossier.DueARE:      "l'accusé de réception",
	dossier.DueDecision: "la décision implicite",
}

// frenchDelai writes a délai in words: "2 mois", "un mois", "15 jours".
func frenchDelai(dl deadline.Delai) string {
	n := strconv.Itoa(dl.N)
	if dl.N == 1 {
		n = "un"
	}
	switch dl.Unit {
	case deadline.Months:
		return n + " mois"
	case deadline.Days:
		if dl.N == 1 {
			return "un jour"
		}
		return n + " jours"
	}
	return ""
}

// decisionOf describes the implicit decision of d in calendar cal, or
// returns nil when d has no regime that leads to one.
func decisionOf(t *config.Tenant, d *dossier.Dossier, cal *deadline.Calendar) *Decision {
	if d.Regime != dossier.RegimeAccord && d.Regime != dossier.RegimeRejet {
		return nil
	}
	dec := &Decision{Accord: d.Regime == dossier.RegimeAccord, Delai: frenchDelai(d.Delai)}
	if dec.Accord {
		dec.Regime, dec.Outcome = "silence vaut accord", "acceptation"
	} else {
		dec.Regime, dec.Outcome = "silence vaut rejet", "rejet"
	}
	if !d.ImplicitDecision.IsZero() {
		dec.Date = frenchCivilDate(d.ImplicitDecision)
		if !dec.Accord && cal != nil {
			dec.RecoursEnd = frenchCivilDate(cal.RecoursDeadline(d.ImplicitDecision, 2))
		}
	}
	dec.Nature = d.Nature
	if n := t.Nature(d.Nature); n != nil {
		if n.Label != "" {
			dec.Nature = n.Label
		}
		dec.CADA = n.CADA
	}
	return dec
}

// Alert builds the warning sent to the mailbox of svc that due date kind
// of dossier d, on date due, is near or past. today is the tenant's
// current date. The alert comes from the dossier's reply address, like
// the forward, so that a staff reply joins the dossier.
func (r *Renderer) Alert(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	kind dossier.DueKind, due, today deadline.Date, now time.Time) (store.OutboundMail, error) {
	label, ok := dueLabels[kind]
	if !ok {
		return store.OutboundMail{}, fmt.Errorf("alert for dossier %s: unknown due kind %q", d.Ref, kind)
	}
	p, err := serviceParties(t, svc)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("alert for dossier %s: %w", d.Ref, err)
	}
	data := newData(t, d, svc, p.from, p.loc)
	cal := t.Calendar()
	data.Deadline = &Deadline{Kind: string(kind), Label: label, Date: frenchCivilDate(due),
		Overdue: due.Before(today)}
	if data.Deadline.Overdue && kind == dossier.DueDecision {
		// A decision date that has passed is a decision born, which
		// Implicit announces.
		return store.OutboundMail{}, fmt.Errorf("alert for dossier %s: the implicit decision of %s is born", d.Ref, due)
	}
	if !data.Deadline.Overdue && cal != nil {
		data.Deadline.DaysLeft = workingDaysBetween(cal, today, due)
	}
	data.Decision = decisionOf(t, d, cal)
	out := staffMail(t, d, p.from, d.Requester, p.to)
	out.Headers["X-Sved-Alert"] = string(kind)
	return r.staffLetter(KindAlert, t, d, data, out, nil, now.In(p.loc))
}

// Implicit builds the notice sent to the mailbox of svc that the
// implicit decision of dossier d is born: acceptance or rejection, its
// date, and what follows (the attestation the requester may ask for,
// or the délai de recours).
func (r *Renderer) Implicit(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	now time.Time) (store.OutboundMail, error) {
	p, err := serviceParties(t, svc)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("implicit decision notice for dossier %s: %w", d.Ref, err)
	}
	data := newData(t, d, svc, p.from, p.loc)
	data.Decision = decisionOf(t, d, t.Calendar())
	if data.Decision == nil || data.Decision.Date == "" {
		return store.OutboundMail{}, fmt.Errorf("implicit decision notice for dossier %s: no implicit decision (regime %q)",
			d.Ref, d.Regime)
	}
	return r.staffLetter(KindImplicit, t, d, data, staffMail(t, d, p.from, d.Requester, p.to), nil, now.In(p.loc))
}

// parties are the two ends of a letter to a service and the zone its
// dates are written in.
type parties struct {
	from dossier.Address // the tenant's From
	to   dossier.Address // the service mailbox
	loc  *time.Location  // the tenant's zone
}

// serviceParties returns the parties of a letter of tenant t to the
// mailbox of svc.
func serviceParties(t *config.Tenant, svc *config.Service) (parties, error) {
	if svc == nil || svc.Mailbox == "" {
		return parties{}, errors.New("no service mailbox")
	}
	to, err := parseMailbox(svc)
	if err != nil {
		return parties{}, err
	}
	from, loc, err := tenantSender(t)
	if err != nil {
		return parties{}, err
	}
	return parties{from: from, to: to, loc: loc}, nil
}

// workingDaysBetween counts the working days after from up to and
// including to.
func workingDaysBetween(cal *deadline.Calendar, from, to deadline.Date) int {
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// Attestation builds the attestation of implicit acceptance (CRPA
// L232-3) for the requester of d, whose acceptance is born. It comes
// from the tenant's address, with the dossier's reply address as
// Reply-To.
func (r *Renderer) Attestation(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	now time.Time) (store.OutboundMail, error) {
	out, err := r.AttestationLetter(t, d, svc, now)
	if err != nil {
		return store.OutboundMail{}, err
	}
	if d.Requester.Addr == "" {
		return store.OutboundMail{}, fmt.Errorf("attestation for dossier %s: requester has no address", d.Ref)
	}
	return r.queued(KindAttestation, t, d, out)
}

// AttestationLetter renders the attestation of implicit acceptance of d
// without queueing it, so that it can be printed.
func (r *Renderer) AttestationLetter(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	now time.Time) (*message.Outgoing, error) {
	if d.State != dossier.StateImplicitAccord {
		return nil, fmt.Errorf("attestation for dossier %s: state is %q, not %q",
			d.Ref, d.State, dossier.StateImplicitAccord)
	}
	from, loc, err := tenantSender(t)
	if err != nil {
		return nil, err
	}
	data := newData(t, d, svc, from, loc)
	data.Decision = decisionOf(t, d, t.Calendar())
	data.Today = frenchDate(now.In(loc))
	subject, text, html, err := r.render(t, KindAttestation, d.Ref, data)
	if err != nil {
		return nil, err
	}
	out := &message.Outgoing{
		From:      from,
		ReplyTo:   replyTo(d, from.Name),
		Subject:   subject,
		Text:      text,
		HTML:      html,
		MessageID: message.NewMessageID(r.hostname),
		Date:      now.In(loc),
		Headers:   map[string]string{"X-Sved-Dossier": d.Ref},
	}
	if d.Requester.Addr != "" {
		out.To = []dossier.Address{d.Requester}
	}
	return out, nil
}
