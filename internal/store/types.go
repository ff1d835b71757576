package store

import (
	"time"

	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

// MailStatus is the state of an outbound mail in the queue.
type MailStatus string

const (
	MailPending MailStatus = "pending" // waiting for its next attempt
	MailSent    MailStatus = "sent"    // accepted by the transport
	MailFailed  MailStatus = "failed"  // given up: permanent error or too many attempts
)

// OutboundMail is one mail queued for delivery.
type OutboundMail struct {
	ID      string `json:"id"` // unique, set by the store when empty
	Dossier string `json:"dossier"`
	Tenant  string `json:"tenant"`
	// Kind names the letter: "aee", "forward", "alert"... A mail of kind
	// "aee" or "are" (the due kinds of those letters) settles that due
	// date of its dossier when the relay accepts it. Dossier is empty
	// for a mail that belongs to no dossier, such as a daily digest.
	Kind         string   `json:"kind"`
	EnvelopeFrom string   `json:"envelope_from"` // "" is the null sender
	Recipients   []string `json:"recipients"`
	MessageID    string   `json:"message_id"` // without angle brackets
	// Raw is the whole RFC 5322 message. The store keeps it apart from
	// the queue entry; DueMails fills it in.
	Raw []byte `json:"-"`

	CreatedAt   time.Time  `json:"created_at"`
	Status      MailStatus `json:"status"`
	Attempts    int        `json:"attempts"`
	NextAttempt time.Time  `json:"next_attempt"`
	LastError   string     `json:"last_error,omitempty"`
}

// NewDossier is everything the intake pipeline writes for a new item in
// one transaction.
type NewDossier struct {
	// Dossier carries the parsed facts, with the nature, regime and
	// délai when they are known. The store sets Ref, Year, Seq,
	// ReceivedAt and EventCount, and the due dates (AEEDue, AREDue,
	// ImplicitDecision) before Build runs.
	Dossier dossier.Dossier
	// Prefix is the tenant's reference prefix; Location its time zone,
	// which decides the year in the reference. A nil Location takes the
	// zone of Calendar.
	Prefix   string
	Location *time.Location
	// Calendar is the tenant's working-day calendar, in which the store
	// computes the due dates from the receipt instant it sets inside the
	// transaction. A nil Calendar leaves the dossier without due dates.
	Calendar *deadline.Calendar
	Raw      []byte
	// DedupKey identifies the item for deduplication within the tenant:
	// the same key returns the existing dossier and writes nothing.
	DedupKey string
	// Build returns the events that follow the "received" event and the
	// mails to queue, once the reference is known. It runs inside the
	// transaction, may run more than once when a group commit is retried,
	// and must not have side effects.
	Build func(d *dossier.Dossier) ([]dossier.Event, []OutboundMail, error)
	// Cursor, when set, moves the cursor of an IMAP mailbox in the same
	// transaction, also when the dedup key finds an existing dossier.
	Cursor *CursorMark
}

// ListFilter selects dossiers; zero fields match everything.
type ListFilter struct {
	Tenant string
	State  dossier.State
}
