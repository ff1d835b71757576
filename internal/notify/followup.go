package notify

import (
	"fmt"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// FollowUp builds the forward to the mailbox of svc of m, a complément
// (more documents, a correction) sent to the reply address of dossier d.
// The letter gives the sender of m, the time of receipt now in the
// tenant's zone (d.ReceivedAt is the first request's), the attachments of
// m re-attached, and the text of m. From and Reply-To are as in Forward,
// with the sender of m as author.
//
// piecesAnswered is true when m ended a wait for requested pieces. The
// letter then states that the délai runs again, with the new
// implicit-decision date.
func (r *Renderer) FollowUp(t *config.Tenant, d *dossier.Dossier, svc *config.Service,
	m *message.Message, now time.Time, piecesAnswered bool) (store.OutboundMail, error) {
	if m == nil {
		return store.OutboundMail{}, fmt.Errorf("follow-up of dossier %s: missing message", d.Ref)
	}
	p, err := serviceParties(t, svc)
	if err != nil {
		return store.OutboundMail{}, fmt.Errorf("follow-up of dossier %s: %w", d.Ref, err)
	}

	data := newData(t, d, svc, p.from, p.loc)
	data.Subject = m.Subject
	data.setReceived(now, p.loc)
	data.setRequester(m.Sender)
	data.WarningCount = len(m.Warnings)
	data.Text = m.Text
	data.PiecesAnswered = piecesAnswered
	data.Decision = decisionOf(t, d, t.Calendar())
	var parts []message.Part
	data.Attachments, parts = forwardedParts(m)
	return r.staffLetter(KindFollowUp, t, d, data, staffMail(t, d, p.from, m.Sender, p.to), parts, now.In(p.loc))
}
