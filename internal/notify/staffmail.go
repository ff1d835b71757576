package notify

import (
	"fmt"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// Letter kinds sent to staff and to other authorities on a staff reply.
const (
	KindTransfer   = "transfer"
	KindStaffError = "staff_error"
	KindSuspicious = "suspicious"
)

// Transfer builds the transmission of dossier d to the competent
// authority at authority (CRPA L114-2): a summary, the text of the
// request, its attachments, and the request as received (raw) attached
// as a message. It comes from the tenant's address, with the dossier's
// reply address as Reply-To, so that the authority's reply joins the
// dossier.
func (r *Renderer) Transfer(t *config.Tenant, d *dossier.Dossier, svc *config.Service, authority dossier.Address,
	reason string, m *message.Message, raw []byte, now time.Time) (store.OutboundMail, error) {
	from, loc, err := tenantSender(t)
	if err != nil {
		return store.OutboundMail{}, err
	}
	data := newData(t, d, svc, from, loc)
	data.Reason = reason
	var parts []message.Part
	if m != nil {
		data.Text = m.Text
		data.Attachments, parts = forwardedParts(m)
	}
	if len(raw) > 0 {
		parts = append(parts, message.Part{FileName: d.Ref + ".eml", ContentType: "message/rfc822", Content: raw})
	}
	out := &message.Outgoing{
		From:    from,
		To:      []dossier.Address{authority},
		ReplyTo: replyTo(d, from.Name),
		Headers: map[string]string{"X-Sved-Dossier": d.Ref},
	}
	return r.staffLetter(KindTransfer, t, d, data, out, parts, now.In(loc))
}

// StaffError builds the short reply to the agent at staff whose reply
// to dossier d could not be carried out: what was wrong (problems, in
// French) and the list of commands (help). It replies to the agent's
// message, whose Message-ID is inReplyTo.
func (r *Renderer) StaffError(t *config.Tenant, d *dossier.Dossier, staff dossier.Address, problems []string,
	help, inReplyTo string, now time.Time) (store.OutboundMail, error) {
	if staff.Addr == "" {
		return store.OutboundMail{}, fmt.Errorf("staff error reply for dossier %s: no staff address", d.Ref)
	}
	from, loc, err := tenantSender(t)
	if err != nil {
		return store.OutboundMail{}, err
	}
	data := newData(t, d, nil, from, loc)
	data.Problems = problems
	data.Help = help
	out := staffMail(t, d, from, dossier.Address{}, staff)
	if inReplyTo != "" {
		out.InReplyTo = inReplyTo
		out.References = []string{inReplyTo}
	}
	return r.staffLetter(KindStaffError, t, d, data, out, nil, now.In(loc))
}

// Suspicious builds the report to the mailbox of svc that m reached the
// reply address of dossier d without the right to act on it, for
// reason (in French). The report gives the sender and the text; the
// message itself stays in the dossier.
func (r *Renderer) Suspicious(t *config.Tenant, d *dossier.Dossier, svc *config.Service, m *message.Message,
	reason string, now time.Time) (store.OutboundMail, error) {
	p, err := serviceParties(t, svc)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("report of a suspicious message for dossier %s: %w", d.Ref, err)
	}
	data := newData(t, d, svc, p.from, p.loc)
	data.Reason = reason
	data.Subject = m.Subject
	data.Sender = orUnknownSender(m.Sender)
	data.Text = m.Text
	data.setReceived(now, p.loc)
	out := staffMail(t, d, p.from, dossier.Address{}, p.to)
	return r.staffLetter(KindSuspicious, t, d, data, out, nil, now.In(p.loc))
}

// orUnknownSender formats a sender for a report.
func orUnknownSender(a dossier.Address) string {
	if a.Addr == "" {
		return unknownRequester
	}
	return a.String()
}
