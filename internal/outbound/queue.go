package outbound

import (
	"time"

	"github.com/sved-project/sved/internal/store"
)

// Queue is the part of the store that the Worker uses.
type Queue interface {
	// Wake returns a channel that receives when a mail was queued.
	Wake() <-chan struct{}
	// DueMails returns up to limit pending mails whose next attempt is
	// at or before now, with Raw filled in.
	DueMails(now time.Time, limit int) ([]store.OutboundMail, error)
	// NextDue returns the earliest next attempt of a pending mail, and
	// false when no mail is pending.
	NextDue() (time.Time, bool)
	// BeginAttempts counts one more attempt of each mail of ids that is
	// still pending and moves its next attempt to next, in one commit,
	// before the transport is called. It returns the ids it changed, in
	// the order of ids.
	BeginAttempts(ids []string, next time.Time) ([]string, error)
	MarkSent(id string, detail string) error
	MarkDeferred(id string, next time.Time, errText string) error
	MarkFailed(id string, errText string) error
}
