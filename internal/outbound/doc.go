// Package outbound delivers the mail that sved queued: acknowledgements
// to requesters and forwards to services.
//
// Every outbound mail is written to the store's queue in the same
// transaction as the state change that causes it, so this package never
// creates mail, it only moves queued mail out. The Worker takes the mails
// that are due from a Queue, hands each to a Transport and records the
// result.
//
// Before each attempt the Worker writes the attempt and a provisional
// next-attempt time to the queue (BeginAttempts, one commit for the
// mails that start together), and only then dials. A
// crash during delivery therefore leaves the mail pending with a later
// next attempt: it is retried, never lost. It may be delivered twice when
// the crash falls between the relay's 250 reply and MarkSent, which
// SMTP's at-least-once model accepts.
//
// A Transport returns a *PermanentError for a failure that a retry cannot
// fix (a 5xx reply to MAIL, RCPT or DATA, a mail without recipients).
// Every other failure is temporary. The Worker retries temporary failures
// with exponential backoff from RetryInterval, capped at four hours, until
// MaxAttempts attempts have been made, and then marks the mail failed.
//
// Two transports exist: DirTransport writes each mail as an .eml file (the
// default when no relay is configured) and SMTPTransport hands it to a
// relay (RFC 5321) with optional STARTTLS (RFC 3207) and AUTH PLAIN
// (RFC 4954, RFC 4616).
package outbound
