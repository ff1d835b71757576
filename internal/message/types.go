package message

import (
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

// Message is one parsed and normalized mail. Every string field holds
// valid UTF-8, even when the raw bytes do not.
type Message struct {
	Raw []byte // verbatim, as received

	From    []dossier.Address
	ReplyTo []dossier.Address
	To      []dossier.Address
	Cc      []dossier.Address
	// Sender is the From address taken from an addr-spec in the raw
	// header; Addr is empty when none could be found.
	Sender dossier.Address

	Subject    string // decoded; "(sans objet)" when empty
	Text       string // plain text body, converted from HTML when needed
	HTML       string // HTML body, empty when there is none
	MessageID  string // without angle brackets; empty when absent
	InReplyTo  []string
	References []string
	Date       time.Time // zero when absent or unparsable

	Attachments []Part // documents sent on purpose
	Inlines     []Part // parts shown inside the HTML body

	// Header gives access to the raw top-level header fields by
	// canonical name, values undecoded.
	Header map[string][]string

	// Automatic is the verdict that forbids an automatic answer; its
	// Kind is empty for mail written by a person.
	Automatic Verdict

	// Warnings lists parse problems, each a short English sentence.
	Warnings []string
	// Unreadable is true when the MIME structure could not be read and
	// Text is the raw message, headers included.
	Unreadable bool
}

// Part is an attachment or inline part with its decoded content.
type Part struct {
	FileName    string
	ContentType string
	ContentID   string
	Content     []byte
	SHA256      string // hex
}

// VerdictKind classifies mail that must not get an automatic answer
// (RFC 3834).
type VerdictKind string

const (
	VerdictNone        VerdictKind = ""
	VerdictAutoReply   VerdictKind = "auto-reply"
	VerdictBounce      VerdictKind = "bounce"
	VerdictReadReceipt VerdictKind = "read-receipt"
	VerdictList        VerdictKind = "list"
	VerdictBulk        VerdictKind = "bulk"
	VerdictNullSender  VerdictKind = "null-sender"
	VerdictSpam        VerdictKind = "spam"
)

// Verdict is the reason a message counts as automatic.
type Verdict struct {
	Kind   VerdictKind
	Reason string // the header or signal that decided, e.g. "Auto-Submitted: auto-replied"
}
