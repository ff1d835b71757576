package notify

import (
	"fmt"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// DigestLine is one dossier in a section of the daily digest.
type DigestLine struct {
	Ref       string
	Subject   string
	Requester string
	Received  string // date of receipt, "lundi 30 novembre 2026"
	// Due is the date the section is about: the ARE due date, the end
	// of the délai given for pieces, the implicit-decision date, or the
	// due date that passed.
	Due string
	// What is the name of the due date in the overdue section
	// ("accusé de réception"), and is empty elsewhere.
	What string
}

// DigestData is the value passed to the digest templates.
type DigestData struct {
	Tenant    string
	Signature string
	Service   string
	Date      string // the day of the digest, "vendredi 4 décembre 2026"

	// Overdue lists the AEE and ARE past their due date.
	Overdue []DigestLine
	// AwaitingARE lists the dossiers whose ARE is still to send.
	AwaitingARE []DigestLine
	// AwaitingPieces lists the dossiers waiting for pieces asked for.
	AwaitingPieces []DigestLine
	// Decisions lists the implicit decisions coming due.
	Decisions []DigestLine
	// DecisionDays is the horizon of Decisions, in calendar days.
	DecisionDays int
}

// Empty reports whether the digest has no line.
func (g *DigestData) Empty() bool {
	return len(g.Overdue)+len(g.AwaitingARE)+len(g.AwaitingPieces)+len(g.Decisions) == 0
}

// Count returns the number of lines in the digest; a dossier may appear
// in several sections.
func (g *DigestData) Count() int {
	return len(g.Overdue) + len(g.AwaitingARE) + len(g.AwaitingPieces) + len(g.Decisions)
}

// NewDigestLine describes d for a digest section about date due. what
// names the due date in the overdue section.
func NewDigestLine(t *config.Tenant, d *dossier.Dossier, due deadline.Date, what string) DigestLine {
	loc, err := tenantLocation(t)
	if err != nil {
		loc = time.UTC
	}
	l := DigestLine{Ref: d.Ref, Subject: d.Subject, Requester: unknownRequester,
		Received: frenchDate(d.ReceivedAt.In(loc)), What: what}
	if d.Requester.Addr != "" {
		l.Requester = d.Requester.String()
	}
	if !due.IsZero() {
		l.Due = frenchCivilDate(due)
	}
	return l
}

// Digest builds the daily digest of one service of tenant t, for the
// day today, to the mailbox of svc, with the ID id in the queue. It
// comes from the tenant's address and carries no Reply-To: a reply
// about one dossier belongs to that dossier's own letters.
func (r *Renderer) Digest(t *config.Tenant, svc *config.Service, data *DigestData, id string,
	now time.Time) (store.OutboundMail, error) {
	p, err := serviceParties(t, svc)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("digest %s: %w", id, err)
	}
	from, to := p.from, p.to
	data.Tenant = t.Name
	data.Signature = tenantLabel(t, from)
	data.Service = serviceName(svc)
	subject, text, html, err := r.render(t, KindDigest, id, data)
	if err != nil {
		return store.OutboundMail{}, err
	}
	out := &message.Outgoing{
		From:      from,
		To:        []dossier.Address{to},
		Subject:   subject,
		Text:      text,
		HTML:      html,
		MessageID: message.NewMessageID(r.hostname),
		Date:      now.In(p.loc),
		Headers: map[string]string{
			"Auto-Submitted":           "auto-generated",
			"X-Auto-Response-Suppress": "All",
		},
	}
	raw, err := message.Compose(out)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("digest %s: %w", id, err)
	}
	return store.OutboundMail{
		ID:           id,
		Tenant:       t.ID,
		Kind:         KindDigest,
		EnvelopeFrom: from.Addr,
		Recipients:   []string{to.Addr},
		MessageID:    out.MessageID,
		Raw:          raw,
	}, nil
}
