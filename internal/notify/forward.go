package notify

import (
	"fmt"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// AckStatus is the outcome of the AEE of a new dossier, which the
// forward states so that the service knows what the requester received.
type AckStatus int

// Outcomes of the AEE of a new dossier.
const (
	// AckSent means the AEE was queued for the requester's address.
	AckSent AckStatus = iota
	// AckNoSender means the request has no usable sender address.
	AckNoSender
	// AckLimited means the address already received the maximum number
	// of AEEs for the day.
	AckLimited
)

// reason returns why no AEE was sent, in French, and "" for AckSent.
func (s AckStatus) reason() (string, error) {
	switch s {
	case AckSent:
		return "", nil
	case AckNoSender:
		return unknownRequester, nil
	case AckLimited:
		return "trop d'accusés déjà envoyés à cette adresse aujourd'hui", nil
	}
	return "", fmt.Errorf("unknown AckStatus %d", int(s))
}

// Forward builds the forward of the request of d to the mailbox of svc:
// a French summary of the dossier, whether the requester was sent an
// AEE (ack), the text of the request, and its attachments and inline
// pictures re-attached. Its Reply-To is the dossier's reply address, so
// a staff reply is stored in the dossier. m, the request, may be nil;
// the forward then lists the attachments recorded in d without their
// content. An ack of AckSent for a requester without an address is
// written as AckNoSender.
func (r *Renderer) Forward(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	m *message.Message, now time.Time, ack AckStatus) (store.OutboundMail, error) {
	if d.Requester.Addr == "" {
		ack = AckNoSender
	}
	reason, err := ack.reason()
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("forward of dossier %s: %w", d.Ref, err)
	}
	p, err := serviceParties(t, svc)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("forward of dossier %s: %w", d.Ref, err)
	}

	data := newData(t, d, svc, p.from, p.loc)
	data.AckSent = ack == AckSent
	data.AckReason = reason
	var parts []message.Part
	if m != nil {
		data.Text = m.Text
		data.Attachments, parts = forwardedParts(m)
		// The dossier's warnings also hold intake notes (no AEE sent,
		// identification missing); only the parser's mean the message
		// was malformed.
		data.WarningCount = len(m.Warnings)
	}
	data.Decision = decisionOf(t, d, t.Calendar())
	return r.staffLetter(KindForward, t, d, data, staffMail(t, d, p.from, d.Requester, p.to), parts, now.In(p.loc))
}

// staffLetter renders the letter kind with data into out, which
// staffMail prepared, attaches parts and queues it.
func (r *Renderer) staffLetter(kind string, t *config.Tenant, d *dossier.Dossier, data *Data,
	out *message.Outgoing, parts []message.Part, date time.Time) (store.OutboundMail, error) {
	subject, text, html, err := r.render(t, kind, d.Ref, data)
	if err != nil {
		return store.OutboundMail{}, err
	}
	out.Subject = subject
	out.Text = text
	out.HTML = html
	out.Attachments = parts
	out.MessageID = message.NewMessageID(r.hostname)
	out.Date = date
	return r.queued(kind, t, d, out)
}

// staffMail returns the common part of a mail to a service mailbox to:
// it comes from the dossier's reply address under the display name
// "AUTHOR (via TENANT)", and replies go to that address too. An
// out-of-office reply that answers From instead of Reply-To therefore
// joins the dossier instead of opening a new one at an intake address,
// which would be forwarded again. An author without an address leaves
// the tenant's own display name.
func staffMail(t *config.Tenant, d *dossier.Dossier, from, author, to dossier.Address) *message.Outgoing {
	sender := from
	if author.Addr != "" {
		sender.Name = senderLabel(author) + " (via " + tenantLabel(t, from) + ")"
	}
	if d.ReplyAddress != "" {
		sender.Addr = d.ReplyAddress
	}
	return &message.Outgoing{
		From:    sender,
		To:      []dossier.Address{to},
		ReplyTo: replyTo(d, sender.Name),
		Headers: map[string]string{
			"Auto-Submitted":           "auto-generated",
			"X-Auto-Response-Suppress": "All",
			"X-Sved-Dossier":           d.Ref,
		},
	}
}

// forwardedParts returns the list shown in the forward and the parts to
// re-attach: the attachments of m, then its inline parts, each with a
// file name.
func forwardedParts(m *message.Message) ([]Attachment, []message.Part) {
	var list []Attachment
	var parts []message.Part
	add := func(p message.Part, inline bool, n int) {
		p.FileName = partName(p, inline, n)
		list = append(list, partAttachment(p, inline))
		parts = append(parts, p)
	}
	for i, p := range m.Attachments {
		add(p, false, i+1)
	}
	for i, p := range m.Inlines {
		add(p, true, i+1)
	}
	return list, parts
}
