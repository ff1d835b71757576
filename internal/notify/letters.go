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
	from, loc, err := tenantSender(t)
	if err != nil {
		return store.OutboundMail{}, err
	}

	data := newData(t, d, svc, from, loc)
	subject, text, html, err := r.render(t, KindAEE, d.Ref, data)
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
