package dossier

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// EventKind names what happened to a dossier.
type EventKind string

const (
	EventReceived     EventKind = "received"      // the item was stored
	EventMessageAdded EventKind = "message_added" // a further message joined the dossier
	EventMailQueued   EventKind = "mail_queued"   // an outbound mail was queued
	EventMailSent     EventKind = "mail_sent"     // the transport accepted a mail
	EventMailDeferred EventKind = "mail_deferred" // a temporary failure, retried later
	EventMailFailed   EventKind = "mail_failed"   // a permanent failure

	EventPiecesRequested EventKind = "pieces_requested" // staff asked for missing pieces
	EventPiecesReceived  EventKind = "pieces_received"  // the missing pieces arrived
	EventRequalified     EventKind = "requalified"      // staff set or changed the nature

	EventImplicitDecision EventKind = "implicit_decision" // the délai ended without an express decision
	EventAlert            EventKind = "alert"             // the service was warned of a due date

	// Staff actions, each with the staff address as actor.
	EventRegistered     EventKind = "registered"       // the request was registered; the ARE is queued
	EventRefused        EventKind = "refused"          // the request was refused with a reason
	EventTransferred    EventKind = "transferred"      // the dossier went to the competent authority
	EventServiceChanged EventKind = "service_changed"  // another service took the dossier
	EventNote           EventKind = "note"             // an internal note
	EventClosed         EventKind = "closed"           // closed after an express reply
	EventReplyRelayed   EventKind = "reply_relayed"    // a staff reply was relayed to the requester
	EventAttestation    EventKind = "attestation"      // the L232-3 attestation was queued
	EventRejected       EventKind = "command_rejected" // a staff command was not carried out
	// EventSuspicious is a message that tried to act on the dossier
	// without the right to: not from staff, a forged staff sender, or a
	// reply address of another dossier. It was stored and reported.
	EventSuspicious EventKind = "suspicious_message"
)

// Event is one entry of a dossier's append-only journal. Each event
// carries the SHA-256 of the previous event of the same dossier, so that a
// changed or removed event breaks the chain.
type Event struct {
	Seq    uint64            `json:"seq"` // 0 for the first event
	At     time.Time         `json:"at"`  // UTC
	Kind   EventKind         `json:"kind"`
	Actor  string            `json:"actor"` // "sved", a channel, or a staff address
	Text   string            `json:"text,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
	// Prev is the hex SHA-256 of the previous event's Hash input, or 64
	// zeros for the first event.
	Prev string `json:"prev"`
	// Hash is the hex SHA-256 of this event's canonical encoding with
	// Hash itself empty.
	Hash string `json:"hash"`
}

// GenesisHash is the Prev value of a dossier's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Seal sets e.Seq, e.Prev and e.Hash so that e follows prev (nil for the
// first event).
func (e *Event) Seal(prev *Event) {
	if prev == nil {
		e.Seq = 0
		e.Prev = GenesisHash
	} else {
		e.Seq = prev.Seq + 1
		e.Prev = prev.Hash
	}
	e.Hash = e.computeHash()
}

func (e *Event) computeHash() string {
	c := *e
	c.Hash = ""
	// encoding/json sorts map keys, so the encoding is canonical.
	b, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("dossier: encode event: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// VerifyChain checks that events form an unbroken hash chain starting at
// the genesis value. It returns an error naming the first bad event.
func VerifyChain(events []Event) error {
	prev := GenesisHash
	for i := range events {
		e := &events[i]
		if e.Seq != uint64(i) {
			return fmt.Errorf("event %d: sequence is %d", i, e.Seq)
		}
		if e.Prev != prev {
			return fmt.Errorf("event %d: previous hash %s does not match %s", i, e.Prev, prev)
		}
		if got := e.computeHash(); got != e.Hash {
			return fmt.Errorf("event %d: hash %s does not match content (%s)", i, e.Hash, got)
		}
		prev = e.Hash
	}
	return nil
}
