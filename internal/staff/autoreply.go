package staff

import (
	"regexp"

	"github.com/sved-project/sved/internal/message"
)

// absenceSubject matches the folded subjects of out-of-office replies
// that internal/message does not take from the subject alone: French
// ones such as "Absence du bureau", "Message d'absence", "Je suis
// absente", and the "Réponse automatique" and "Automatic reply" of
// Exchange.
var absenceSubject = regexp.MustCompile(`^\s*(?:(?:` +
	`reponse automatique|automatic reply|auto[- ]?reply|out of (?:the )?office|` +
	`absen(?:ce|t|te) du bureau|message d'absence|reponse d'absence|avis d'absence|` +
	`repondeur automatique|je suis absente?)\b|(?:absence|absente?)\s*(?::|-|\(|\[|$))`)

// AutoReply reports whether a reply to a dossier was sent by a machine
// rather than by the staff member, with the reason. Such a reply is
// never relayed and never acts.
//
// It keeps the verdict of internal/message (RFC 3834 headers, delivery
// reports, read receipts, list and bulk mail) and adds one rule for
// staff replies only: an out-of-office subject decides on its own.
// internal/message needs a header that a mail server sets as well,
// because the public writes subjects like "Absence" by hand. A staff
// member who replies to a dossier keeps the subject of the forward
// after "RE:", so a reply whose subject starts with "Absence du bureau"
// or "Réponse automatique" comes from an out-of-office responder.
func AutoReply(m *message.Message) (reason string, ok bool) {
	if m.Automatic.Kind != message.VerdictNone {
		return string(m.Automatic.Kind) + ": " + m.Automatic.Reason, true
	}
	if absenceSubject.MatchString(fold(m.Subject)) {
		return "out-of-office subject: " + m.Subject, true
	}
	return "", false
}
