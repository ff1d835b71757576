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
	// BeginAttempt counts one more attempt and moves the next attempt
	// to next, before the transport is called.
	BeginAttempt(id string, next time.Time) error
	MarkSent(id string, detail string) error
	MarkDeferred(id string, next time.Time, errText string) error
	MarkFailed(id string, errText string) error
}
