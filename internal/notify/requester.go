package notify

import (
	"errors"
	"fmt"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// Letter kinds sent to the requester on a staff command, and the relayed
// staff reply.
const (
	KindARE            = "are"
	KindRefusal        = "refusal"
	KindPieces         = "pieces"
	KindTransferNotice = "transfer_notice"
	KindReply          = "reply"
)

// Thread gives the threading headers of a letter to the requester, so
// that the requester's mail client shows the letters and their own
// messages as one conversation.
type Thread struct {
	// InReplyTo is the Message-ID of the requester's last message.
	InReplyTo string
	// References lists the Message-IDs of the conversation, oldest
	// first.
	References []string
}

// Staff is the agent's message to the requester, from the reply that
// carried a command or that sved relays: the text without the quoted
// history, and its attachments.
type Staff struct {
	Text        string
	Attachments []message.Part
}

// requesterLetter renders the letter kind for the requester of d with
// data and queues it: from the tenant's address, with the dossier's
// reply address as Reply-To and envelope sender, threaded by thread.
func (r *Renderer) requesterLetter(kind string, t *config.Tenant, d *dossier.Dossier, data *Data,
	thread Thread, parts []message.Part, now time.Time) (store.OutboundMail, error) {
	if d.Requester.Addr == "" {
		return store.OutboundMail{}, fmt.Errorf("%s for dossier %s: requester has no address", kind, d.Ref)
	}
	from, loc, err := tenantSender(t)
	if err != nil {
		return store.OutboundMail{}, err
	}
	subject, text, html, err := r.render(t, kind, d.Ref, data)
	if err != nil {
		return store.OutboundMail{}, err
	}
	out := &message.Outgoing{
		From:        from,
		To:          []dossier.Address{d.Requester},
		ReplyTo:     replyTo(d, from.Name),
		Subject:     subject,
		Text:        text,
		HTML:        html,
		Attachments: parts,
		MessageID:   message.NewMessageID(r.hostname),
		Date:        now.In(loc),
		InReplyTo:   thread.InReplyTo,
		References:  thread.References,
		Headers:     map[string]string{"X-Sved-Dossier": d.Ref},
	}
	return r.queued(kind, t, d, out)
}

// requesterData gathers the facts of d for a letter to its requester,
// with the contact details of the service svc and what staff wrote.
func requesterData(t *config.Tenant, d *dossier.Dossier, svc *config.Service, staff Staff) (*Data, error) {
	from, loc, err := tenantSender(t)
	if err != nil {
		return nil, err
	}
	data := newData(t, d, svc, from, loc)
	data.Message = staff.Text
	data.ServiceEmail = d.ReplyAddress
	if svc != nil {
		data.ServicePhone = svc.Phone
		data.ServicePostal = svc.Postal
	}
	data.Decision = decisionOf(t, d, t.Calendar())
	if p := d.PendingPieces(); p != nil {
		data.Pieces = piecesData(d, p)
	}
	return data, nil
}

// piecesData describes the request for pieces p of dossier d.
func piecesData(d *dossier.Dossier, p *dossier.PiecesRequest) *PiecesData {
	pd := &PiecesData{Items: p.Items, Delai: frenchDelai(p.Granted),
		Due: frenchCivilDate(deadline.ImplicitDecision(p.Requested, p.Granted))}
	switch d.Regime {
	case dossier.RegimeAccord, dossier.RegimeRejet:
		pd.Effect = string(d.Regime)
	}
	return pd
}

// ErrNoContact is returned for an ARE whose service has no phone
// number, which the ARE must state (CRPA R112-11-1).
var ErrNoContact = errors.New("the service has no phone number in the configuration, which the ARE must state; add services[].phone")

// ARE builds the accusé de réception of d for its requester, with every
// mention that CRPA R112-11-1 requires. It states the date of receipt
// and the service in charge with its phone number and addresses: the
// dossier's reply address, and the postal address when configured. For
// a demande it also states the regime of the implicit decision, its
// date, and the attestation (acceptance) or the délais and voies de
// recours (rejection). A pending request for pieces is stated with its
// items, délai and effect. staff is the message of the agent who
// registered the request, if any.
func (r *Renderer) ARE(t *config.Tenant, d *dossier.Dossier, svc *config.Service, staff Staff,
	thread Thread, now time.Time) (store.OutboundMail, error) {
	if svc == nil || svc.Phone == "" {
		return store.OutboundMail{}, fmt.Errorf("are for dossier %s: %w", d.Ref, ErrNoContact)
	}
	data, err := requesterData(t, d, svc, staff)
	if err != nil {
		return store.OutboundMail{}, err
	}
	return r.requesterLetter(KindARE, t, d, data, thread, staff.Attachments, now)
}

// Refusal builds the letter to the requester of d that refuses the
// request, with reason and the agent's message.
func (r *Renderer) Refusal(t *config.Tenant, d *dossier.Dossier, svc *config.Service, reason string,
	staff Staff, thread Thread, now time.Time) (store.OutboundMail, error) {
	data, err := requesterData(t, d, svc, staff)
	if err != nil {
		return store.OutboundMail{}, err
	}
	data.Reason = reason
	return r.requesterLetter(KindRefusal, t, d, data, thread, staff.Attachments, now)
}

// PiecesRequest builds the request for the missing pieces of the
// pending request of d (CRPA L114-5): the items, the délai granted to
// supply them and its effect on the implicit decision.
func (r *Renderer) PiecesRequest(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	staff Staff, thread Thread, now time.Time) (store.OutboundMail, error) {
	if d.PendingPieces() == nil {
		return store.OutboundMail{}, fmt.Errorf("pieces for dossier %s: no pending request for pieces", d.Ref)
	}
	data, err := requesterData(t, d, svc, staff)
	if err != nil {
		return store.OutboundMail{}, err
	}
	return r.requesterLetter(KindPieces, t, d, data, thread, staff.Attachments, now)
}

// TransferNotice builds the notice to the requester of d that the
// request was sent on to the competent authority (CRPA L114-2).
func (r *Renderer) TransferNotice(t *config.Tenant, d *dossier.Dossier, svc *config.Service, authority, reason string,
	staff Staff, thread Thread, now time.Time) (store.OutboundMail, error) {
	data, err := requesterData(t, d, svc, staff)
	if err != nil {
		return store.OutboundMail{}, err
	}
	data.Authority = authority
	data.Reason = reason
	return r.requesterLetter(KindTransferNotice, t, d, data, thread, staff.Attachments, now)
}

// Reply builds the relay of a staff reply to the requester of d: what
// staff wrote, with their attachments, from the tenant's address.
func (r *Renderer) Reply(t *config.Tenant, d *dossier.Dossier, svc *config.Service, staff Staff,
	thread Thread, now time.Time) (store.OutboundMail, error) {
	data, err := requesterData(t, d, svc, staff)
	if err != nil {
		return store.OutboundMail{}, err
	}
	return r.requesterLetter(KindReply, t, d, data, thread, staff.Attachments, now)
}
