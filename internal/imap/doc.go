// Package imap polls existing IMAP mailboxes (RFC 3501, RFC 9051) and
// passes each new message to the intake pipeline, as if it had arrived
// over SMTP for the mailbox's intake address. It is for communes whose
// contact address stays at a hosting provider, so that sved cannot be
// their MX.
//
// # One goroutine per mailbox
//
// A Poller connects (implicit TLS, STARTTLS or, on loopback only, plain
// text), authenticates with AUTHENTICATE PLAIN or LOGIN, and selects the
// folder: read-only (EXAMINE) when the post-fetch action is "none", so
// that the mailbox is left exactly as it was, and messages are always
// fetched with BODY.PEEK[]. It then syncs by UID: every message above
// the stored cursor is fetched and delivered. After that it waits in IDLE
// (RFC 2177) where the server offers it, and syncs again on every
// EXISTS notification, on a timer (resync_interval, because IDLE
// notifications get lost), and after every reconnect. Without IDLE it
// syncs every poll_interval.
//
// A watchdog closes the connection when the server does not answer a
// command within the mailbox's timeout. A failed connection, login or
// TLS handshake is logged with the mailbox name and retried with an
// exponential backoff with jitter; other mailboxes keep running. Stopping
// ends IDLE with DONE and logs out.
//
// # What is stored, and what a crash leaves
//
// The store keeps one cursor per mailbox (store.Cursor): the folder's
// UIDVALIDITY, LastUID (every message up to it is stored or given up),
// ActionUID (the post-fetch action is applied up to it), the failure
// counts of messages above LastUID and the UIDs given up. Each delivered
// message carries a store.CursorMark that the store commits in the
// transaction of its dossier, or alone when the message is a duplicate.
//
// Up to deliverWorkers (4) messages are delivered at once. A mark therefore
// names the highest UID below which every listed message is stored once
// that message commits, which may lag behind the message's own UID; the
// poller writes the exact position after each batch. A crash re-reads at
// most the messages after the stored LastUID, and the pipeline's
// deduplication (Message-ID and SHA-256 of the raw bytes) returns their
// existing dossiers without queueing a second AEE or forward. The
// post-fetch action runs after the commit; a crash before it leaves
// ActionUID behind LastUID, and the next session applies the action to
// the messages in between. A poller that stops saves the position it
// has reached, so that only a crash makes it read messages again.
//
// The first session of a mailbox stores a cursor past the messages
// already in the folder unless the mailbox is configured with initial:
// all. A changed UIDVALIDITY resets the cursor, so the whole folder is
// read again, and deduplication keeps it from creating dossiers twice.
//
// A message that cannot be fetched or stored is retried at each sync,
// up to the mailbox's max_attempts, then skipped with an error logged and
// counted; a message above max_message_bytes is skipped at once. A
// skipped message blocks nothing and is left in the folder: no
// post-fetch action touches it. The pipeline stores a message that does
// not parse as it is, with its warnings. A post-fetch action that the
// server rejects (a folder it will not create, say) is logged once per
// session; polling goes on, and ActionUID waits until a later session
// succeeds.
package imap
