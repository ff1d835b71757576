package notify

import (
	"fmt"
	"mime"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// AEE builds the accusé d'enregistrement électronique for the requester
// of d: the immediate acknowledgement that states the date and time of
// receipt, the reference, the attachments received and that the legal
// receipt (ARE) follows within ten working days. Its envelope sender and
// Reply-To are the dossier's reply address, so bounces and replies join
// the dossier. m, the request, may be nil; it gives the threading
// headers.
func (r *Renderer) AEE(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	m *message.Message, now time.Time) (store.OutboundMail, error) {
	if d.Requester.Addr == "" {
		return store.OutboundMail{}, fmt.Errorf("aee for dossier %s: requester has no address", d.Ref)
	}
	from, err := tenantFrom(t)
	if err != nil {
		return store.OutboundMail{}, err
	}
	loc, err := tenantLocation(t)
	if err != nil {
		return store.OutboundMail{}, err
	}

	data := newData(t, d, svc, loc)
	subject, text, html, err := r.render(KindAEE, data)
	if err != nil {
		return store.OutboundMail{}, err
	}

	out := &message.Outgoing{
		From:      from,
		To:        []dossier.Address{d.Requester},
		ReplyTo:   replyTo(d, from.Name),
		Subject:   subject,
		Text:      text,
		HTML:      html,
		MessageID: message.NewMessageID(r.hostname),
		Date:      now.In(loc),
		Headers: map[string]string{
			"Auto-Submitted":           "auto-replied",
			"X-Auto-Response-Suppress": "All",
			"X-Sved-Dossier":           d.Ref,
		},
	}
	if m != nil && m.MessageID != "" {
		out.InReplyTo = m.MessageID
		out.References = append(append([]string{}, m.References...), m.MessageID)
	}
	return r.queued(KindAEE, t, d, out)
}

// Forward builds the forward of the request of d to the mailbox of svc:
// a French summary of the dossier, the text of the request, and its
// attachments and inline pictures re-attached. Its Reply-To is the
// dossier's reply address, so that a staff reply goes back through
// sved. m, the request, may be nil; the forward then lists the
// attachments recorded in d without their content.
func (r *Renderer) Forward(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	m *message.Message, now time.Time) (store.OutboundMail, error) {
	if svc == nil || svc.Mailbox == "" {
		return store.OutboundMail{}, fmt.Errorf("forward of dossier %s: no service mailbox", d.Ref)
	}
	to, err := parseMailbox(svc)
	if err != nil {
		return store.OutboundMail{}, err
	}
	from, err := tenantFrom(t)
	if err != nil {
		return store.OutboundMail{}, err
	}
	loc, err := tenantLocation(t)
	if err != nil {
		return store.OutboundMail{}, err
	}

	data := newData(t, d, svc, loc)
	var parts []message.Part
	if m != nil {
		data.Text = m.Text
		data.Attachments, parts = forwardedParts(m)
	}
	subject, text, html, err := r.render(KindForward, data)
	if err != nil {
		return store.OutboundMail{}, err
	}

	sender := from
	if d.Requester.Addr != "" {
		label := d.Requester.Name
		if label == "" {
			label = d.Requester.Addr
		}
		sender.Name = label + " via sved"
	}
	out := &message.Outgoing{
		From:        sender,
		To:          []dossier.Address{to},
		ReplyTo:     replyTo(d, sender.Name),
		Subject:     subject,
		Text:        text,
		HTML:        html,
		Attachments: parts,
		MessageID:   message.NewMessageID(r.hostname),
		Date:        now.In(loc),
		Headers: map[string]string{
			"Auto-Submitted":           "auto-generated",
			"X-Auto-Response-Suppress": "All",
			"X-Sved-Dossier":           d.Ref,
		},
	}
	return r.queued(KindForward, t, d, out)
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

// replyTo returns the dossier's reply address with a display name, or
// nil when the dossier has none.
func replyTo(d *dossier.Dossier, name string) *dossier.Address {
	if d.ReplyAddress == "" {
		return nil
	}
	return &dossier.Address{Name: name, Addr: d.ReplyAddress}
}

// queued composes out and wraps it as a mail for the outbound queue.
func (r *Renderer) queued(kind string, t *config.Tenant, d *dossier.Dossier,
	out *message.Outgoing) (store.OutboundMail, error) {
	raw, err := message.Compose(out)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("%s for dossier %s: %w", kind, d.Ref, err)
	}
	recipients := make([]string, len(out.To))
	for i, a := range out.To {
		recipients[i] = a.Addr
	}
	return store.OutboundMail{
		Dossier:      d.Ref,
		Tenant:       t.ID,
		Kind:         kind,
		EnvelopeFrom: d.ReplyAddress,
		Recipients:   recipients,
		MessageID:    out.MessageID,
		Raw:          raw,
	}, nil
}

// mediaType returns the media type of a Content-Type value, lower-case,
// or "" when it does not parse.
func mediaType(contentType string) string {
	t, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return t
}
