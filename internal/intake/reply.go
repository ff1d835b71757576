package intake

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/sved-project/sved/internal/classify"
	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/staff"
	"github.com/sved-project/sved/internal/store"
)

// role is the right of the sender of a message to an existing dossier
// to act on it.
type role string

const (
	// roleRequester is the dossier's requester: the message is a
	// complément, forwarded to the service.
	roleRequester role = "requester"
	// roleStaff is an authenticated staff address of the tenant: the
	// message is obeyed and relayed.
	roleStaff role = "staff"
	// roleAutomatic is an auto-reply, a bounce or one of the tenant's
	// own addresses: the message is only stored.
	roleAutomatic role = "automatic"
	// roleSuspicious is anyone else, or a staff address that the
	// receiving hop did not authenticate: the message is stored and
	// reported to the service, never relayed and never obeyed.
	roleSuspicious role = "suspicious"
)

// senderRole decides the role of the sender of m, which reached dossier
// d through its reply address (viaToken) or by threading. reason
// explains, in French, why a message is suspicious.
func senderRole(env *Envelope, t *config.Tenant, d *dossier.Dossier, m *message.Message,
	viaToken bool) (r role, reason string) {
	if m.Automatic.Kind != message.VerdictNone || message.IsNullSender(env.From) {
		return roleAutomatic, ""
	}
	if _, ok := staff.AutoReply(m); ok {
		return roleAutomatic, ""
	}
	sender := m.Sender.Addr
	switch {
	case sender == "":
		return roleSuspicious, "l'expéditeur est inconnu"
	case t.IsOwnAddress(sender):
		return roleAutomatic, ""
	case t.IsStaff(sender) && viaToken:
		return staffRole(env, t, d, m)
	case sameAddress(sender, d.Requester.Addr) || sameAddress(classify.Requester(t, m).Addr, d.Requester.Addr):
		// A complément may move the legal clock (pieces received), so a
		// requester address that the trusted server saw fail is not
		// believed either.
		if len(t.TrustedAuthServIDs) > 0 && authenticate(env, t, m).Verdict == staff.VerdictFail {
			return roleSuspicious, "l'adresse du demandeur est utilisée mais le serveur de réception ne l'a pas authentifiée"
		}
		return roleRequester, ""
	}
	return roleSuspicious, "l'expéditeur n'est ni le demandeur ni un agent de la collectivité"
}

// staffRole checks a message whose From is a staff address: the
// receiving hop must not have failed its authentication, and a dossier
// reference in its subject must be the dossier's own.
func staffRole(env *Envelope, t *config.Tenant, d *dossier.Dossier, m *message.Message) (role, string) {
	auth := authenticate(env, t, m)
	// With trusted servers configured, a staff reply must carry their
	// pass: a forged staff From simply omits the results.
	if auth.Verdict == staff.VerdictFail ||
		(len(t.TrustedAuthServIDs) > 0 && auth.Verdict != staff.VerdictPass) {
		return roleSuspicious, "l'adresse d'un agent est utilisée mais le serveur de réception ne l'a pas authentifiée (" +
			auth.Reason + ")"
	}
	if refs := subjectRefs(t, m.Subject); len(refs) > 0 && !slices.Contains(refs, d.Ref) {
		return roleSuspicious, "l'objet du message cite le dossier " + refs[0] +
			", mais le message a été envoyé à l'adresse de réponse du dossier " + d.Ref
	}
	return roleStaff, ""
}

// authenticate judges the From address of m by the Authentication-Results
// of the servers the tenant trusts.
func authenticate(env *Envelope, t *config.Tenant, m *message.Message) staff.Authentication {
	h, err := staff.ReadHeader(env.Raw)
	if err != nil {
		return staff.Authentication{Verdict: staff.VerdictNone, Reason: "unreadable header"}
	}
	return staff.Authenticate(h, m.Sender.Addr, t.TrustedAuthServIDs)
}

// addToDossier appends m to dossier d, which it reached through d's
// reply address (viaToken) or by threading, and acts as the sender's
// role allows, in the transaction that stores m.
func (p *Pipeline) addToDossier(ctx context.Context, env *Envelope, t *config.Tenant, d *dossier.Dossier,
	m *message.Message, rawHash string, viaToken bool) (Result, error) {
	r, reason := senderRole(env, t, d, m, viaToken)
	now := p.now()
	var act func(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error)
	switch r {
	case roleRequester:
		act = p.followUp(t, m, now)
	case roleSuspicious:
		act = p.suspicious(t, m, reason, now)
	case roleStaff:
		a, err := p.newStaffAction(t, d, m, now)
		if err != nil {
			return Result{}, err
		}
		act = a.build
	}
	build := func(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
		events := []dossier.Event{addedEvent(env, m, r, now)}
		if act == nil {
			return events, nil, nil
		}
		more, mails, err := act(sd)
		if err != nil {
			return nil, nil, err
		}
		return append(append(events, more...), store.QueuedEvents(mails, now)...), mails, nil
	}
	created, err := p.store.AddMessage(ctx, d.Ref, env.Raw, dedupKey(m.MessageID, rawHash), build)
	if err != nil {
		return Result{}, fmt.Errorf("add message %q to dossier %s: %w", shortID(m.MessageID), d.Ref, err)
	}
	log := p.log.With("tenant", t.ID, "dossier", d.Ref, "channel", string(env.Channel),
		"message_id", shortID(m.MessageID), "role", string(r))
	if r == roleSuspicious {
		log.Warn("suspicious message stored and reported", "duplicate", !created)
	} else {
		log.Info("message added to dossier", "duplicate", !created)
	}
	return Result{Tenant: t.ID, Ref: d.Ref, State: d.State, Created: created, Added: true}, nil
}

// addedEvent is the journal event of a message added to a dossier.
func addedEvent(env *Envelope, m *message.Message, r role, now time.Time) dossier.Event {
	fields := map[string]string{
		"from":       m.Sender.Addr,
		"subject":    m.Subject,
		"message_id": m.MessageID,
		"channel":    string(env.Channel),
		"role":       string(r),
	}
	if m.Automatic.Kind != message.VerdictNone {
		fields["automatic"] = string(m.Automatic.Kind) + ": " + m.Automatic.Reason
	}
	return dossier.Event{At: now.UTC(), Kind: dossier.EventMessageAdded, Actor: string(env.Channel), Fields: fields}
}

// followUp forwards a complément of the requester to the dossier's
// service. When pieces were asked for, their arrival ends the wait: the
// implicit-decision clock restarts or resumes (CRPA L114-5).
func (p *Pipeline) followUp(t *config.Tenant, m *message.Message, now time.Time) func(*dossier.Dossier) (
	[]dossier.Event, []store.OutboundMail, error) {
	return func(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
		var events []dossier.Event
		cal := t.Calendar()
		answered := sd.PendingPieces() != nil && sd.State.AwaitsDecision() && cal != nil
		if answered {
			if err := sd.ReceivePieces(cal.ReceiptDate(now)); err != nil {
				return nil, nil, err
			}
			sd.RecomputeDue(cal)
			events = append(events, dossier.Event{At: now.UTC(), Kind: dossier.EventPiecesReceived,
				Actor: m.Sender.Addr, Fields: dueFields(sd, map[string]string{
					"received": cal.ReceiptDate(now).String(),
				})})
		}
		svc := t.Service(sd.Service)
		if svc == nil {
			return events, nil, nil
		}
		mail, err := p.renderer.FollowUp(t, sd, svc, m, now, answered)
		if err != nil {
			return nil, nil, fmt.Errorf("render follow-up of %s: %w", sd.Ref, err)
		}
		return events, []store.OutboundMail{mail}, nil
	}
}

// suspicious reports m to the dossier's service, with reason.
func (p *Pipeline) suspicious(t *config.Tenant, m *message.Message, reason string, now time.Time) func(*dossier.Dossier) (
	[]dossier.Event, []store.OutboundMail, error) {
	return func(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
		events := []dossier.Event{{At: now.UTC(), Kind: dossier.EventSuspicious, Actor: "sved",
			Text: reason, Fields: map[string]string{"from": m.Sender.Addr, "message_id": m.MessageID}}}
		svc := t.Service(sd.Service)
		if svc == nil {
			svc = t.ServiceFor(nil)
		}
		if svc == nil {
			return events, nil, nil
		}
		mail, err := p.renderer.Suspicious(t, sd, svc, m, reason, now)
		if err != nil {
			return nil, nil, fmt.Errorf("render report of a suspicious message on %s: %w", sd.Ref, err)
		}
		return events, []store.OutboundMail{mail}, nil
	}
}

// dueFields adds the dossier's due dates to fields, for the events of
// the changes that move them.
func dueFields(d *dossier.Dossier, fields map[string]string) map[string]string {
	fields["aee_due"] = d.AEEDue.String()
	fields["are_due"] = d.AREDue.String()
	fields["implicit_decision"] = d.ImplicitDecision.String()
	return fields
}

// conversation returns the threading headers of a new letter to the
// requester of d, from its journal: the Message-IDs of the requester's
// messages and of the mails sved sent them, and the requester's last
// message as In-Reply-To.
func conversation(d *dossier.Dossier, journal []dossier.Event) notify.Thread {
	var th notify.Thread
	add := func(id string) {
		if id != "" && !slices.Contains(th.References, id) {
			th.References = append(th.References, id)
		}
	}
	for _, e := range journal {
		id := e.Fields["message_id"]
		switch {
		case e.Kind == dossier.EventReceived:
			add(id)
			th.InReplyTo = id
		case e.Kind == dossier.EventMessageAdded && sameAddress(e.Fields["from"], d.Requester.Addr):
			add(id)
			th.InReplyTo = id
		case e.Kind == dossier.EventMailQueued && sameAddress(e.Fields["to"], d.Requester.Addr):
			add(id)
		}
	}
	// Mail clients and servers cut long References headers; the first
	// and the latest entries matter most (RFC 5322 section 3.6.4).
	if n := len(th.References); n > 20 {
		th.References = append(th.References[:1:1], th.References[n-19:]...)
	}
	if th.InReplyTo == "" && len(th.References) > 0 {
		th.InReplyTo = th.References[len(th.References)-1]
	}
	return th
}
