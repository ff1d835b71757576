package staff

import (
	"strconv"
	"strings"
)

// Kind is one command of the staff command language.
type Kind int

// The commands, in the order Help lists them.
const (
	// KindRegister registers the dossier and sends the ARE.
	KindRegister Kind = iota + 1
	// KindRefuse rejects the request with a reason sent to the requester.
	KindRefuse
	// KindDocuments requests missing documents from the requester
	// within a délai in days.
	KindDocuments
	// KindTransfer sends the dossier to the competent authority and a
	// notice to the requester.
	KindTransfer
	// KindService routes the dossier to another service.
	KindService
	// KindNature changes the nature (kind of request) of the dossier.
	KindNature
	// KindNote adds an internal note, never sent to the requester.
	KindNote
	// KindClose closes the dossier after an express reply.
	KindClose
	// KindAttestation sends the attestation of implicit acceptance
	// (article L232-3 of the CRPA).
	KindAttestation
)

// Kinds lists every command kind in the order Help shows them.
var Kinds = []Kind{
	KindRegister, KindRefuse, KindDocuments, KindTransfer, KindService,
	KindNature, KindNote, KindClose, KindAttestation,
}

// keywords maps each accepted command word, lower-cased and without
// accents, to its kind. The first word of each kind is its canonical
// name (see Kind.String).
var keywords = map[string]Kind{
	"enregistrer": KindRegister,
	"accepter":    KindRegister,
	"refuser":     KindRefuse,
	"pieces":      KindDocuments,
	"piece":       KindDocuments,
	"transmettre": KindTransfer,
	"transferer":  KindTransfer,
	"service":     KindService,
	"nature":      KindNature,
	"note":        KindNote,
	"clore":       KindClose,
	"cloturer":    KindClose,
	"attestation": KindAttestation,
}

// canonical is the word Kind.String returns, without accents so that it
// can be typed on any keyboard.
var canonical = map[Kind]string{
	KindRegister:    "enregistrer",
	KindRefuse:      "refuser",
	KindDocuments:   "pieces",
	KindTransfer:    "transmettre",
	KindService:     "service",
	KindNature:      "nature",
	KindNote:        "note",
	KindClose:       "clore",
	KindAttestation: "attestation",
}

// String returns the canonical command word without "#", such as
// "pieces", or "Kind(N)" for an unknown kind.
func (k Kind) String() string {
	if s, ok := canonical[k]; ok {
		return s
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// LookupKind returns the kind of a command word written without "#",
// ignoring case and accents: "Pièces", "PIECES" and "piece" all give
// KindDocuments.
func LookupKind(word string) (Kind, bool) {
	k, ok := keywords[fold(word)]
	return k, ok
}

// WritesToRequester reports whether the command may send the requester
// a letter: every command except #service, #nature and #note. A reply
// may carry one such command, or #enregistrer with #pieces.
func (k Kind) WritesToRequester() bool {
	switch k {
	case KindService, KindNature, KindNote:
		return false
	}
	return k >= KindRegister && k <= KindAttestation
}

// Command is one parsed command with its arguments. Only the fields of
// its kind are set.
type Command struct {
	Kind Kind
	// Line is the 1-based line of the command word in the parsed text.
	Line int

	// Reason is the motif of #refuser (required) or #transmettre
	// (optional), as written.
	Reason string
	// Address is the addr-spec of the competent authority (#transmettre).
	Address string
	// ID is the service id (#service) or nature id (#nature), lower-cased
	// and without accents, as the configuration spells ids.
	ID string
	// Items are the missing documents of #pieces, one per line, without
	// their bullets.
	Items []string
	// DelayDays is the délai of #pieces in calendar days, from 1 to
	// MaxDelayDays.
	DelayDays int
	// Note is the text of #note, as written on its line.
	Note string
}

// String formats c as command lines that Parse reads back to an equal
// Command, apart from Line.
func (c Command) String() string {
	var b strings.Builder
	b.WriteString("#" + c.Kind.String())
	switch c.Kind {
	case KindRefuse:
		b.WriteString(" " + c.Reason)
	case KindTransfer:
		b.WriteString(" " + c.Address)
		if c.Reason != "" {
			b.WriteString(" " + c.Reason)
		}
	case KindService, KindNature:
		b.WriteString(" " + c.ID)
	case KindNote:
		b.WriteString(" " + c.Note)
	case KindDocuments:
		for _, item := range c.Items {
			b.WriteString("\n- " + item)
		}
		b.WriteString("\ndélai " + strconv.Itoa(c.DelayDays) + " jours")
	}
	return b.String()
}

// Reply is a staff reply understood: its commands and the text below
// them.
type Reply struct {
	// Commands are in the order written. Parse rejects a reply that
	// repeats a kind.
	Commands []Command
	// Text is the message below the commands, without surrounding blank
	// lines. Unless Internal reports true, it is meant for the requester,
	// relayed as it is by a plain reply and added to the letter otherwise.
	Text string
}

// Command returns the command of kind k, if the reply has one.
func (r *Reply) Command(k Kind) (Command, bool) {
	for _, c := range r.Commands {
		if c.Kind == k {
			return c, true
		}
	}
	return Command{}, false
}

// Plain reports whether the reply has no command, so that its text is
// relayed to the requester as it is.
func (r *Reply) Plain() bool {
	return len(r.Commands) == 0
}

// Internal reports whether every command of the reply is internal
// (#service, #nature, #note): the requester is then sent nothing, and
// Text goes to the journal and, after #service, to the new service.
// A plain reply is not internal.
func (r *Reply) Internal() bool {
	if r.Plain() {
		return false
	}
	for _, c := range r.Commands {
		if c.Kind.WritesToRequester() {
			return false
		}
	}
	return true
}

// String formats r as a reply that Parse reads back to an equal Reply,
// apart from the Line fields: the commands, a blank line, then Text.
func (r *Reply) String() string {
	lines := make([]string, 0, len(r.Commands)+2)
	for _, c := range r.Commands {
		lines = append(lines, c.String())
	}
	if r.Text != "" {
		lines = append(lines, "", r.Text)
	}
	return strings.Join(lines, "\n")
}
