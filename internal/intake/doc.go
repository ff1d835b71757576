// Package intake is the one pipeline that every channel calls: it parses
// an item, decides which tenants and dossiers it belongs to, classifies it
// and stores it, with the mails it causes, in one transaction per tenant.
//
// A channel acknowledges its source (250 in SMTP, the post-fetch action
// in IMAP, 201 in HTTP) only after Deliver returns without error: by then
// every dossier and every queued mail is on disk. Deliver returns an
// error only for storage failures, which the channel reports as
// temporary; malformed input is stored with warnings, never rejected.
//
// Routing of one item:
//   - Recipients are matched against the configuration. A recipient that
//     is a reply-token address adds the message to the dossier that owns
//     the token; other recipients of that tenant then add nothing more.
//   - The remaining intake recipients are grouped by tenant: several
//     intake addresses of one tenant give one dossier, recipients of
//     different tenants give one dossier each.
//   - Delivering the same bytes again (an SMTP retry, a re-polled IMAP
//     message) returns the existing dossier and queues no mail.
package intake
