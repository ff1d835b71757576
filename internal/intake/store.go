package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/sved-project/sved/internal/classify"
	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

// createDossier stores m as a new dossier of g.tenant, with its AEE and
// forward when the classification allows them.
func (p *Pipeline) createDossier(ctx context.Context, env *Envelope, g *tenantGroup, m *message.Message, rawHash string) (Result, error) {
	t := g.tenant
	requester := classify.Requester(t, m)
	dec := classify.Classify(t, g.intake, env.From, m, requester)
	limited, release := p.reserveAck(t, requester, &dec)
	token := config.NewToken()

	d := dossier.Dossier{
		Tenant:       t.ID,
		State:        dec.State,
		Reason:       dec.Reason,
		Channel:      env.Channel,
		Remote:       env.Remote,
		EnvelopeFrom: env.From,
		Recipients:   g.recipients,
		Requester:    requester,
		Subject:      m.Subject,
		MessageID:    m.MessageID,
		Attachments:  attachmentsOf(m),
		Warnings:     warningsOf(m, requester, dec, limited, t.AckLimitPerDay),
		Token:        token,
		ReplyAddress: t.ReplyAddress(token),
		RawSHA256:    rawHash,
		RawSize:      int64(len(env.Raw)),
	}
	if dec.Service != nil {
		d.Service = dec.Service.ID
	}
	if n := defaultNature(t, g.intake); n != nil {
		d.Nature = n.ID
		d.Regime = dossier.Regime(n.Regime)
		d.Delai = n.ParsedDelai()
	}

	// The store sets the receipt instant inside its transaction and
	// computes the due dates from it in this calendar before Build runs.
	nd := &store.NewDossier{
		Dossier:  d,
		Prefix:   t.Prefix,
		Location: t.Location,
		Calendar: t.Calendar(),
		Raw:      env.Raw,
		DedupKey: dedupKey(m.MessageID, rawHash),
		Cursor:   env.Cursor,
		Build: func(sd *dossier.Dossier) ([]dossier.Event, []store.OutboundMail, error) {
			return p.buildMails(t, dec, limited, sd, m)
		},
	}
	stored, created, err := p.store.Create(ctx, nd)
	if err != nil || !created {
		release()
	}
	if err != nil {
		return Result{}, fmt.Errorf("store dossier of tenant %s (Message-ID %q): %w", t.ID, shortID(m.MessageID), err)
	}

	log := p.log.With("tenant", t.ID, "dossier", stored.Ref, "channel", string(env.Channel),
		"remote", env.Remote, "message_id", shortID(m.MessageID))
	if limited {
		log.Warn("acknowledgement withheld: too many to this address", "requester", requester.Addr,
			"ack_limit_per_day", t.AckLimitPerDay)
	}
	if created {
		log.Info("dossier created", "state", string(stored.State), "reason", stored.Reason,
			"warnings", len(stored.Warnings))
	} else {
		log.Info("duplicate item, dossier already stored")
	}
	return Result{Tenant: t.ID, Ref: stored.Ref, State: stored.State, Created: created}, nil
}

// reserveAck takes one of the requester's daily acknowledgements for a
// dossier about to be stored, when dec calls for one. When the limit is
// reached it turns the acknowledgement off and reports limited. release
// gives the reservation back; call it when no dossier was created.
func (p *Pipeline) reserveAck(t *config.Tenant, requester dossier.Address, dec *classify.Decision) (
	limited bool, release func()) {
	if !dec.Acknowledge {
		return false, func() {}
	}
	at := p.now()
	if !p.acks.reserve(t.ID, requester.Addr, t.AckLimitPerDay, at) {
		dec.Acknowledge = false
		return true, func() {}
	}
	return false, func() { p.acks.release(t.ID, requester.Addr, at) }
}

// defaultNature returns the nature named by the first intake address that
// names one, or nil when the dossier is to be qualified by staff.
func defaultNature(t *config.Tenant, intake []*config.IntakeAddress) *config.Nature {
	for _, in := range intake {
		if in.Nature == "" {
			continue
		}
		if n := t.Nature(in.Nature); n != nil {
			return n
		}
	}
	return nil
}

// buildMails renders the mails the decision calls for. It runs inside the
// store's transaction, once the reference is known.
func (p *Pipeline) buildMails(t *config.Tenant, dec classify.Decision, ackLimited bool, d *dossier.Dossier, m *message.Message) ([]dossier.Event, []store.OutboundMail, error) {
	var mails []store.OutboundMail
	now := p.now()
	ack := notify.AckSent
	switch {
	case ackLimited:
		ack = notify.AckLimited
	case !dec.Acknowledge:
		ack = notify.AckNoSender
	}

	if dec.Acknowledge {
		aee, err := p.renderer.AEE(t, d, dec.Service, m, now)
		if err != nil {
			return nil, nil, fmt.Errorf("render AEE of %s: %w", d.Ref, err)
		}
		mails = append(mails, aee)
	}
	if dec.Forward && dec.Service != nil {
		fwd, err := p.renderer.Forward(t, d, dec.Service, m, now, ack)
		if err != nil {
			return nil, nil, fmt.Errorf("render forward of %s: %w", d.Ref, err)
		}
		mails = append(mails, fwd)
	}

	return store.QueuedEvents(mails, now), mails, nil
}

func attachmentsOf(m *message.Message) []dossier.Attachment {
	var out []dossier.Attachment
	add := func(parts []message.Part, inline bool) {
		for _, p := range parts {
			out = append(out, dossier.Attachment{
				FileName:    p.FileName,
				ContentType: p.ContentType,
				Size:        int64(len(p.Content)),
				SHA256:      p.SHA256,
				Inline:      inline,
			})
		}
	}
	add(m.Attachments, false)
	add(m.Inlines, true)
	return out
}

func warningsOf(m *message.Message, requester dossier.Address, dec classify.Decision, ackLimited bool, ackLimit int) []string {
	w := append([]string(nil), m.Warnings...)
	if ackLimited {
		w = append(w, fmt.Sprintf("no acknowledgement sent: %d were already sent to %s in the last 24 hours",
			ackLimit, requester.Addr))
	}
	if requester.Addr == "" {
		w = append(w, "sender unknown: no address in From, so no acknowledgement can be sent")
	}
	if dec.Service == nil {
		w = append(w, "no service configured: the request was not forwarded")
	}
	return w
}

// dedupKey identifies an item: the same bytes delivered twice give the
// same key, and a different message that reuses a Message-ID does not.
// The hash has a fixed length, so the space cannot make two keys equal.
func dedupKey(messageID, rawHash string) string {
	messageID = strings.ReplaceAll(messageID, "\x00", "")
	// bbolt keys are limited to 32 KiB, and RFC 5322 lines to 998
	// octets: a longer Message-ID is hashed.
	if len(messageID) > maxMessageIDKey {
		sum := sha256.Sum256([]byte(messageID))
		messageID = "sha256:" + hex.EncodeToString(sum[:])
	}
	return messageID + " " + rawHash
}

// maxMessageIDKey is the longest Message-ID kept as it is in a dedup
// key.
const maxMessageIDKey = 998

// shortID returns a Message-ID cut for logs and errors: a forged one can
// be tens of kilobytes long.
func shortID(id string) string {
	const max = 200
	if len(id) <= max {
		return id
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(id[cut]) {
		cut--
	}
	return id[:cut] + "…"
}
