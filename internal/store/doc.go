// Package store keeps sved's dossiers, their journals and the outbound
// mail queue in one bbolt file.
//
// # Layout
//
// Values are JSON, except raw messages, which are stored byte for byte,
// and index entries, whose value is empty because the key contains
// everything the index needs.
// Composite keys join text parts with a NUL byte, so no tenant,
// reference, token, dedup key or mail ID may contain one. Numbers inside
// keys are 8 bytes big-endian, and times inside keys are nanoseconds
// since 1970, so that byte order is numeric and time order.
//
//	meta                "version" -> layout version
//	dossiers            REF -> dossier.Dossier
//	messages            REF 0 N -> raw message N of the dossier (0 is the first)
//	journal             REF 0 SEQ -> dossier.Event
//	dedup               TENANT 0 DEDUPKEY 0 -> REF of the dossier that holds the item, first or added
//	message_dedup       REF 0 DEDUPKEY 0 -> N of the message
//	tokens              TOKEN -> REF
//	counters            TENANT 0 YEAR 0 -> last sequence number given
//	index_all           RECEIVED REF -> empty
//	index_tenant        TENANT 0 RECEIVED REF -> empty
//	index_state         STATE 0 RECEIVED REF -> empty
//	index_tenant_state  TENANT 0 STATE 0 RECEIVED REF -> empty
//	mails               ID -> OutboundMail, without its content
//	mail_raw            ID -> the mail's RFC 5322 content
//	mail_due            NEXTATTEMPT ID -> empty, for pending mails only
//	mail_by_dossier     REF 0 N -> ID (N counts the dossier's mails from 1)
//	due                 YYYYMMDD 0 KIND 0 REF -> empty, KIND is aee, are or decision
//	once                NAME -> time the named change was written (alerts, digests)
//	message_ids         TENANT 0 MESSAGEID -> REF, every Message-ID a journal event names
//	imap_cursors        TENANT 0 MAILBOX 0 -> Cursor of a polled IMAP mailbox
//
// Raw messages (up to 25 MiB) and mail contents live in their own
// buckets, so listing dossiers and walking the queue never read them.
// List walks the index that matches its filter backwards, newest first.
// DueMails walks mail_due from the start and stops at the first entry
// after now. DueBefore walks due from the start and stops at the given
// date. The due index holds the current due dates of dossiers in a
// state that has deadlines; Create, AddMessage and UpdateDue move its
// entries in the transaction that changes the dates.
//
// # One transaction per item
//
// Create writes, in one transaction: the IMAP cursor of NewDossier.Cursor
// when set, the dedup check (a hit returns the existing dossier and
// writes nothing else), the tenant's counter for the
// year of the receipt in the tenant's time zone, the dossier under
// PREFIX-YYYY-NNNNNN, the raw message, the "received" event (sealed as
// event 0), then the events and mails returned by NewDossier.Build, the
// dedup key, the reply token, and the listing and due indexes. The due
// dates are computed from the receipt instant in NewDossier.Calendar
// before Build runs, so that the letters Build renders can state them. AddMessage does
// the same for a further message of an existing dossier. MarkSent,
// MarkDeferred and MarkFailed change the mail and append its journal
// event in one transaction.
//
// bbolt fsyncs the file on every commit, so a channel may acknowledge an
// item as soon as Create returns. A crash before the commit leaves
// nothing of the transaction: no counter increment, no dossier, no
// queued mail. The source then delivers the item again and the dedup key
// is still free. A crash after the commit but before the acknowledgement
// makes the source deliver again, and the dedup key returns the same
// dossier without queueing a second mail.
//
// An IMAP item carries a CursorMark, so the mailbox's cursor (its
// UIDVALIDITY and the UID up to which everything is stored) is committed
// with the dossier, or alone on a dedup hit. A crash before the
// post-fetch action makes the poller read the message again, and the
// dedup key returns the same dossier. UpdateCursor records the failures
// of a message and the progress of the post-fetch action.
//
// # Group commit
//
// Create, AddMessage and the queue updates go through one committer
// goroutine. It takes every write waiting when the previous commit ends
// (up to 256) and runs them in one transaction, so they share one fsync:
// a lone writer is committed at once, and writers that arrive during an
// fsync share the next commit. When one write fails, the transaction is
// rolled back, the others run again without it, and the failing one runs
// again alone, in a transaction of its own, so that its error is its
// own. Build can therefore run two or more times for one Create, and
// must have no side effects outside the transaction. Each run starts
// from a fresh copy of NewDossier.Dossier, and the store keeps the
// result of the last run only. A panic in Build becomes an error of that
// Create.
//
// # Journal
//
// The journal is append-only: no function of this package deletes or
// rewrites an event. Each append reads the dossier's last stored event,
// checks it against the dossier's EventCount, and seals the new event
// after it (dossier.Event.Seal), so that dossier.VerifyChain detects an
// event changed or removed outside sved.
//
// # Outbound queue
//
// A queued mail is pending until the relay accepts it (MarkSent) or
// refuses it for good (MarkFailed). The worker calls BeginAttempt, which
// counts the attempt and moves the next attempt time forward, before it
// dials. A crash during delivery therefore leaves the mail pending and
// due again at that time, and the relay may get it twice but never zero
// times. Wake signals the worker after each commit that queued mail.
// BeginAttempts records the attempts of several mails in one commit.
// When the relay accepts a dossier's AEE or ARE, MarkSent records the
// instant on the dossier and removes that date from the due index.
// Mails of no dossier (daily digests) are queued by QueueOnce and have
// no journal.
//
// # Transitions
//
// Update changes a dossier (its state, nature, service, requests for
// pieces) with its events and mails in one transaction, and moves its
// index entries. A transition or a tenant mail may carry a name: the
// once bucket records it in the same transaction, and a second write of
// that name does nothing. The scheduler names every alert and digest
// after what it is about, so that a restart sends none twice and, since
// it recomputes what is due from the stored dates, loses none.
//
// # File identity
//
// Every write first checks that the store's path still names the file
// that Open opened (same device and inode). When the file was removed,
// renamed or replaced, the write fails with ErrFileReplaced, so that no
// channel acknowledges an item written to a file that the next start
// will not read.
//
// # Resident memory
//
// bbolt maps the file read-only and shared. Reading a large value, and
// each commit, which copies the nodes it changes out of the map, leave
// the touched pages counted in the process's resident memory until bbolt
// remaps the file on growth. The store therefore advises the kernel with
// MADV_DONTNEED after copying a raw message or mail out of the map, and
// for the whole map every 64 writes. That drops page table entries only:
// the data stays in the page cache and is faulted back on the next read.
// With 3000 dossiers of 20 KiB and two 30 KiB mails each, drained through
// DueMails and MarkSent, the peak resident memory (VmHWM) of the test
// process went from 284 MB to 24 MB (TestRSSQueueDrain, bbolt v1.5.0).
package store
