package intake

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sved-project/sved/internal/classify"
	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// refPattern matches a dossier reference, PREFIX-YYYY-NNNNNN.
var refPattern = regexp.MustCompile(`\b([A-Z0-9]{2,12})-(\d{4})-(\d{6})\b`)

// subjectRefs returns the references of tenant t that subject names, in
// order, in upper case.
func subjectRefs(t *config.Tenant, subject string) []string {
	var refs []string
	for _, m := range refPattern.FindAllStringSubmatch(strings.ToUpper(subject), -1) {
		if m[1] == t.Prefix && !slices.Contains(refs, m[0]) {
			refs = append(refs, m[0])
		}
	}
	return refs
}

// thread returns the dossier of tenant t that m, sent to an intake
// address, continues, or nil when m opens a new one. m continues a
// dossier when its In-Reply-To or References name a message of that
// dossier (one it received or one sved sent for it), or when its subject
// names the dossier's reference. In both cases m must come from the
// dossier's requester, so that people who reply to the same mailing
// never share a dossier, and the dossier must still wait for a
// decision. Automatic mail never continues a dossier here, so it is
// stored apart.
//
// A staff reply that reached an intake address instead of the reply
// address continues the dossier whose messages its In-Reply-To or
// References name (not its subject, which anyone can write); byStaff
// reports that case, which the caller treats as a reply to the
// dossier's reply address.
func (p *Pipeline) thread(t *config.Tenant, m *message.Message) (d *dossier.Dossier, byStaff bool, err error) {
	if m.Automatic.Kind != message.VerdictNone {
		return nil, false, nil
	}
	requester := classify.Requester(t, m)
	if requester.Addr == "" {
		return nil, false, nil
	}
	staffSender := t.IsStaff(m.Sender.Addr)
	var refs []string
	ids := append(slices.Clone(m.InReplyTo), reversed(m.References)...)
	for _, id := range ids {
		ref, err := p.store.ByMessageID(t.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("thread message %q: %w", shortID(m.MessageID), err)
		}
		if staffSender {
			d, err := p.store.Get(ref)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, false, fmt.Errorf("thread message %q: %w", shortID(m.MessageID), err)
			}
			if err == nil && d.Tenant == t.ID {
				return d, true, nil
			}
		}
		refs = append(refs, ref)
	}
	refs = append(refs, subjectRefs(t, m.Subject)...)
	for _, ref := range refs {
		d, err := p.store.Get(ref)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("thread message %q: %w", shortID(m.MessageID), err)
		}
		// A message about a dossier already decided, refused, sent on
		// or closed is a new request, such as a recours gracieux, owed
		// its own acknowledgement and délais.
		if d.Tenant == t.ID && d.State.AwaitsDecision() && sameAddress(d.Requester.Addr, requester.Addr) {
			return d, false, nil
		}
	}
	return nil, false, nil
}

// sameAddress compares two addresses, ignoring the case of the domain
// and, as nearly every provider does, of the local part.
func sameAddress(a, b string) bool {
	return a != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// reversed returns a copy of ids, last first: the newest message of a
// References list comes last.
func reversed(ids []string) []string {
	out := slices.Clone(ids)
	slices.Reverse(out)
	return out
}
