// Package dossier defines a dossier (one request from the public and
// everything exchanged about it), its states and its journal events.
//
// The package holds plain data and the rules that do not need storage;
// internal/store persists it and internal/intake creates it.
package dossier

import (
	"time"

	"github.com/sved-project/sved/internal/deadline"
)

// State is the stage of a dossier in its legal life.
type State string

const (
	// StateReceived is a request stored and acknowledged (or to be
	// acknowledged), waiting for staff to register it and send the ARE
	// (accusé de réception, the legal receipt).
	StateReceived State = "recu"
	// StateAutomatic is an automatic message (auto-reply, delivery
	// report, read receipt, list or bulk mail, null sender, own address)
	// stored without acknowledgement or forward. Reason gives the cause.
	StateAutomatic State = "automatique"
	// StateQuarantined is an envoi stored without acknowledgement because
	// it looks like spam or may harm the information system. Reason gives
	// the cause.
	StateQuarantined State = "quarantaine"
	// StateImplicitAccord is a demande under silence vaut accord whose
	// délai ended without an express decision. The collectivité accepted
	// it implicitly (CRPA L231-1), and the requester may request the
	// attestation of CRPA L232-3.
	StateImplicitAccord State = "accord_implicite"
	// StateImplicitRejection is a demande under silence vaut rejet whose
	// délai ended without an express decision. The collectivité rejected
	// it implicitly (CRPA L231-4), and the délais de recours run.
	StateImplicitRejection State = "rejet_implicite"
	// StateRegistered is a request that staff registered. Its ARE is
	// queued or sent, and the service instructs it until an express
	// decision or the implicit one.
	StateRegistered State = "enregistre"
	// StateRefused is a request that staff rejected with a reason (out of
	// scope, abusive, duplicate), which the requester was sent.
	StateRefused State = "refuse"
	// StateTransferred is a request sent on to the competent authority
	// (CRPA L114-2). The requester got a notice, and sved runs no
	// implicit-decision clock for it.
	StateTransferred State = "transmis"
	// StateClosed is a dossier closed after an express reply to the
	// requester.
	StateClosed State = "clos"
)

// States lists every state, in the order the CLI shows them.
var States = []State{StateReceived, StateRegistered, StateAutomatic, StateQuarantined,
	StateImplicitAccord, StateImplicitRejection, StateRefused, StateTransferred, StateClosed}

// Valid reports whether s is a known state.
func (s State) Valid() bool {
	for _, k := range States {
		if s == k {
			return true
		}
	}
	return false
}

// Channel names the door an item came through.
type Channel string

const (
	ChannelSMTP   Channel = "smtp"
	ChannelIMAP   Channel = "imap"
	ChannelForm   Channel = "form"
	ChannelIngest Channel = "ingest"
)

// Address is a mailbox with its optional display name.
type Address struct {
	Name string `json:"name,omitempty"`
	Addr string `json:"addr"`
}

// String formats the address for humans: "Name <addr>" or "addr".
func (a Address) String() string {
	if a.Name == "" {
		return a.Addr
	}
	return a.Name + " <" + a.Addr + ">"
}

// Attachment describes one file received with a request. The content
// itself stays in the raw message.
type Attachment struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// Inline is true for parts shown inside the HTML body (signature
	// logos, embedded pictures) rather than documents sent on purpose.
	Inline bool `json:"inline,omitempty"`
}

// Dossier is one request and the facts sved keeps about it.
type Dossier struct {
	Ref    string `json:"ref"` // PREFIX-YYYY-NNNNNN
	Tenant string `json:"tenant"`
	Year   int    `json:"year"`
	Seq    uint64 `json:"seq"`

	State State `json:"state"`
	// Reason explains StateAutomatic and StateQuarantined, and is empty
	// otherwise (for example "auto-reply: Auto-Submitted: auto-replied").
	Reason string `json:"reason,omitempty"`

	Channel Channel `json:"channel"`
	// ReceivedAt is the instant the item was durably stored, in UTC. It
	// is the legal date of receipt.
	ReceivedAt time.Time `json:"received_at"`
	Remote     string    `json:"remote,omitempty"` // client IP for SMTP and forms

	EnvelopeFrom string   `json:"envelope_from"`
	Recipients   []string `json:"recipients"` // intake addresses that received it

	Requester Address `json:"requester"` // Addr is empty when unknown
	Subject   string  `json:"subject"`
	Service   string  `json:"service"`
	// Nature is the id of the kind of request in the tenant's
	// configuration, or "" while the dossier is to be qualified.
	Nature string `json:"nature,omitempty"`
	// Regime and Delai are those of the nature when the dossier got it.
	// They are copied so that a later change of the configuration does
	// not move the dates of a stored dossier.
	Regime Regime         `json:"regime,omitempty"`
	Delai  deadline.Delai `json:"delai,omitzero"`
	// Pieces lists the requests for missing pieces, oldest first.
	Pieces []PiecesRequest `json:"pieces,omitempty"`

	// AEEDue, AREDue and ImplicitDecision are the due dates that
	// RecomputeDue sets: the ends of the days by which the AEE and the
	// ARE are due, and the day at whose end silence becomes an implicit
	// decision. A zero Date means none: an automatic or quarantined
	// envoi, regime aucun, a dossier to be qualified, or silence vaut
	// accord while pieces are missing.
	AEEDue           deadline.Date `json:"aee_due,omitzero"`
	AREDue           deadline.Date `json:"are_due,omitzero"`
	ImplicitDecision deadline.Date `json:"implicit_decision,omitzero"`
	// AEESentAt and ARESentAt are the instants the relay accepted the
	// AEE and the ARE, in UTC, or zero while they are not sent. A sent
	// letter is no longer due.
	AEESentAt time.Time `json:"aee_sent_at,omitzero"`
	ARESentAt time.Time `json:"are_sent_at,omitzero"`
	// AnsweredAt is the instant of the first express answer to the
	// requester, in UTC, or zero.
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	// DecidedAt is the instant sved recorded the implicit decision, in
	// UTC, or zero.
	DecidedAt time.Time `json:"decided_at,omitzero"`

	MessageID   string       `json:"message_id,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
	Warnings    []string     `json:"warnings,omitempty"`

	// Identification is what a web-form requester gave; zero for mail.
	Identification Identification `json:"identification,omitzero"`

	// Token is the secret part of the reply address that routes answers
	// back to this dossier.
	Token string `json:"token"`
	// ReplyAddress is the full reply-token address.
	ReplyAddress string `json:"reply_address"`
	// RawSHA256 is the hash of the raw message as received.
	RawSHA256 string `json:"raw_sha256"`
	RawSize   int64  `json:"raw_size"`

	// EventCount is the number of journal events, which is also the
	// sequence number the next event gets.
	EventCount uint64 `json:"event_count"`
}
