// Package classify decides, for a parsed message and the tenant that
// received it, which service handles it and whether sved may answer it
// automatically.
//
// The rules for automatic answers follow RFC 3834: no acknowledgement to
// a null sender, to automatic mail (auto-replies, delivery reports, read
// receipts, list and bulk mail), or to one of the tenant's own addresses,
// which would start a mail loop. Spam is quarantined.
package classify

import (
	"net/mail"
	"strings"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
)

// Decision is the outcome of classifying one message for one tenant.
type Decision struct {
	Service *config.Service
	State   dossier.State
	// Reason explains a state other than StateReceived.
	Reason string
	// Acknowledge is true when the requester gets an AEE.
	Acknowledge bool
	// Forward is true when the service gets the request by mail.
	Forward bool
}

// Classify routes m, received by tenant t through the intake addresses
// intake with envelope sender envelopeFrom. requester is the address the
// AEE would go to (see Requester).
func Classify(t *config.Tenant, intake []*config.IntakeAddress, envelopeFrom string, m *message.Message,
	requester dossier.Address) Decision {
	d := Decision{Service: route(t, intake), State: dossier.StateReceived}

	if kind, reason := automatic(t, envelopeFrom, m, requester); kind != "" {
		d.Reason = string(kind) + ": " + reason
		if kind == message.VerdictSpam {
			d.State = dossier.StateQuarantined
		} else {
			d.State = dossier.StateAutomatic
		}
		return d
	}

	d.Forward = true
	d.Acknowledge = requester.Addr != ""
	return d
}

// route returns the service of the first intake address that names one
// or whose nature names one, else the tenant's default service.
func route(t *config.Tenant, intake []*config.IntakeAddress) *config.Service {
	for _, in := range intake {
		if in.Service != "" || in.Nature != "" {
			if s := t.ServiceFor(in); s != nil {
				return s
			}
		}
	}
	return t.ServiceFor(nil)
}

// ownAddressKind marks mail that comes from the tenant itself.
const ownAddressKind message.VerdictKind = "own-address"

// loopKind marks mail that sved itself generated and that came back.
const loopKind message.VerdictKind = "loop"

func automatic(t *config.Tenant, envelopeFrom string, m *message.Message, requester dossier.Address) (message.VerdictKind, string) {
	if m.Automatic.Kind != message.VerdictNone {
		return m.Automatic.Kind, m.Automatic.Reason
	}
	if message.IsNullSender(envelopeFrom) {
		return message.VerdictNullSender, "envelope sender is <>"
	}
	for _, a := range []string{m.Sender.Addr, requester.Addr} {
		if a != "" && (t.IsOwnAddress(a) || isServiceMailbox(t, a)) {
			return ownAddressKind, a + " is an address of the tenant"
		}
	}
	if t.IsOwnAddress(envelopeFrom) {
		return ownAddressKind, "envelope sender " + envelopeFrom + " is an address of the tenant"
	}
	if v := m.Header["X-Sved-Dossier"]; len(v) > 0 {
		return loopKind, "X-Sved-Dossier: " + v[0] + " (a mail sved sent came back)"
	}
	return message.VerdictNone, ""
}

// isServiceMailbox reports whether addr receives the tenant's forwards.
// Mail from such a mailbox to an intake address is most often an
// auto-responder answering a forward; acknowledging and forwarding it
// would start a loop through the service.
func isServiceMailbox(t *config.Tenant, addr string) bool {
	for _, s := range t.Services {
		if a, err := mail.ParseAddress(s.Mailbox); err == nil && strings.EqualFold(a.Address, addr) {
			return true
		}
	}
	return false
}

// Requester returns who the request comes from for tenant t: the From
// address, or the first Reply-To address when the tenant takes the
// requester from Reply-To (web-form relays often send from a no-reply
// address and put the person in Reply-To).
func Requester(t *config.Tenant, m *message.Message) dossier.Address {
	if t.RequesterFromReplyTo && len(m.ReplyTo) > 0 && m.ReplyTo[0].Addr != "" {
		return m.ReplyTo[0]
	}
	return m.Sender
}
