package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sved-project/sved/internal/classify"
	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/store"
)

// FormSubmission is one web-form submission that the HTTP intake has
// authenticated and checked. Every text field is valid UTF-8 without
// control characters other than line feeds in the multi-line ones.
type FormSubmission struct {
	Tenant *config.Tenant
	Form   *config.Form
	Remote string // client IP address

	// Identification is the identity the requester entered. DeliverForm
	// sets its Form and Missing fields.
	Identification dossier.Identification
	// Nature is the kind of request the requester chose, or nil to leave
	// the dossier to be qualified by staff.
	Nature  *config.Nature
	Subject string
	Message string
	// Attachments carry a sanitized FileName, the sniffed ContentType
	// and the Content.
	Attachments []message.Part

	// DedupKey identifies the submission within its form: the client's
	// Idempotency-Key, the form token, or the signature of a signed
	// request. The same key returns the same dossier and queues no mail.
	DedupKey string
}

// FormResult is the outcome of a submission.
type FormResult struct {
	Result
	ReceivedAt time.Time     // the date of receipt, in UTC
	AREDue     deadline.Date // zero when the dossier has no ARE due date
	// Requester is the address the AEE goes to, "" when the requester
	// gave none.
	Requester string
}

// DeliverForm stores a web-form submission as a new dossier of its
// tenant, through the same classification and the same store
// transaction as mail. The proof kept as the dossier's raw message is
// an RFC 5322 message composed from the submission, so every reader of
// raw messages handles it. It returns an error only when composing or
// storing failed.
func (p *Pipeline) DeliverForm(ctx context.Context, s *FormSubmission) (FormResult, error) {
	t, f := s.Tenant, s.Form
	if t == nil || f == nil {
		return FormResult{}, errors.New("deliver form: tenant or form missing")
	}
	if s.DedupKey == "" {
		return FormResult{}, fmt.Errorf("deliver form %s: dedup key missing", f.ID)
	}
	id := s.Identification
	id.Form = f.ID
	id.Missing = id.MissingFields()
	requester := dossier.Address{Name: requesterName(&id), Addr: id.Email}

	raw, err := composeForm(p.config().Hostname, s, &id, p.now())
	if err != nil {
		return FormResult{}, fmt.Errorf("deliver form %s: %w", f.ID, err)
	}
	m, err := p.parse(ctx, raw)
	if err != nil {
		return FormResult{}, err
	}

	dec := classify.Classify(t, nil, formSender(requester, f), m, requester)
	if svc := formService(t, f, s.Nature); svc != nil {
		dec.Service = svc
	}
	limited, release := p.reserveAck(t, requester, &dec)

	d := formDossier(s, &id, requester, m, dec, raw)
	d.Warnings = formWarnings(m, &id, dec, limited, t.AckLimitPerDay)
	nd := &store.NewDossier{
		Dossier:  d,
		Prefix:   t.Prefix,
		Location: t.Location,
		Calendar: t.Calendar(),
		Raw:      raw,
		DedupKey: "form " + f.ID + " " + strings.ReplaceAll(s.DedupKey, "\x00", ""),
		Build: func(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
			return p.buildMails(t, dec, limited, sd, m)
		},
	}
	stored, created, err := p.store.Create(ctx, nd)
	if err != nil || !created {
		release()
	}
	if err != nil {
		return FormResult{}, fmt.Errorf("store submission of form %s: %w", f.ID, err)
	}

	log := p.log.With("tenant", t.ID, "dossier", stored.Ref, "channel", string(dossier.ChannelForm),
		"remote", s.Remote, "form", f.ID)
	switch {
	case !created:
		log.Info("repeated submission, dossier already stored")
	case limited:
		log.Warn("acknowledgement withheld: too many to this address", "ack_limit_per_day", t.AckLimitPerDay)
		fallthrough
	default:
		log.Info("dossier created", "state", string(stored.State), "reason", stored.Reason,
			"missing_identification", len(id.Missing))
	}
	return FormResult{
		Result:     Result{Tenant: t.ID, Ref: stored.Ref, State: stored.State, Created: created},
		ReceivedAt: stored.ReceivedAt,
		AREDue:     stored.AREDue,
		Requester:  stored.Requester.Addr,
	}, nil
}

// formDossier returns the dossier of a submission before the store
// gives it a reference.
func formDossier(s *FormSubmission, id *dossier.Identification, requester dossier.Address,
	m *message.Message, dec classify.Decision, raw []byte) dossier.Dossier {
	token := config.NewToken()
	d := dossier.Dossier{
		Tenant:         s.Tenant.ID,
		State:          dec.State,
		Reason:         dec.Reason,
		Channel:        dossier.ChannelForm,
		Remote:         s.Remote,
		Recipients:     []string{"formulaire " + s.Form.ID},
		Requester:      requester,
		Identification: *id,
		Subject:        m.Subject,
		MessageID:      m.MessageID,
		Attachments:    attachmentsOf(m),
		Token:          token,
		ReplyAddress:   s.Tenant.ReplyAddress(token),
		RawSize:        int64(len(raw)),
	}
	if dec.Service != nil {
		d.Service = dec.Service.ID
	}
	if n := s.Nature; n != nil {
		d.Nature = n.ID
		d.Regime = dossier.Regime(n.Regime)
		d.Delai = n.ParsedDelai()
	}
	return d
}

// formService returns the service of a submission: that of the chosen
// nature, else the form's, else nil for the tenant's default.
func formService(t *config.Tenant, f *config.Form, n *config.Nature) *config.Service {
	if n != nil && n.Service != "" {
		if svc := t.Service(n.Service); svc != nil {
			return svc
		}
	}
	if f.Service != "" {
		return t.Service(f.Service)
	}
	return nil
}

// noAddressDomain is the domain of the From address of a submission
// without an email address. The .invalid top-level domain (RFC 2606)
// can receive no mail, so nothing is ever sent there.
const noAddressDomain = "formulaire.invalid"

// formSender returns the address written as the sender of the composed
// message: the requester's, else one that says there is none.
func formSender(requester dossier.Address, f *config.Form) string {
	if requester.Addr != "" {
		return requester.Addr
	}
	return f.ID + "@" + noAddressDomain
}

// requesterName returns the display name of the requester: first and
// last names, else the organization.
func requesterName(id *dossier.Identification) string {
	name := strings.TrimSpace(id.FirstName + " " + id.LastName)
	if name == "" {
		name = id.Organization
	}
	return name
}

func formWarnings(m *message.Message, id *dossier.Identification, dec classify.Decision,
	ackLimited bool, ackLimit int) []string {
	w := append([]string(nil), m.Warnings...)
	if len(id.Missing) > 0 {
		w = append(w, fmt.Sprintf("identification incomplete for a requester of type %s: missing %s",
			id.Type, strings.Join(id.Missing, ", ")))
	}
	if id.Email == "" {
		w = append(w, "no email address given, so no acknowledgement can be sent")
	}
	if ackLimited {
		w = append(w, fmt.Sprintf("no acknowledgement sent: %d were already sent to %s in the last 24 hours",
			ackLimit, id.Email))
	}
	if dec.Service == nil {
		w = append(w, "no service configured: the request was not forwarded")
	}
	return w
}
