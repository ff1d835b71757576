package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// queueMail writes m as a pending mail of d, due now. It assigns m.ID
// when empty (REF.N, N counting the dossier's mails from 1) and fills
// m.Dossier and m.Tenant.
func queueMail(tx *bolt.Tx, d *dossier.Dossier, m *OutboundMail, now time.Time) error {
	if m.Dossier != "" && m.Dossier != d.Ref {
		return fmt.Errorf("mail names dossier %s but is queued with %s", m.Dossier, d.Ref)
	}
	if len(m.Recipients) == 0 {
		return fmt.Errorf("%s mail of %s has no recipient", m.Kind, d.Ref)
	}
	if len(m.Raw) == 0 {
		return fmt.Errorf("%s mail of %s has no content", m.Kind, d.Ref)
	}
	m.Dossier = d.Ref
	if m.Tenant == "" {
		m.Tenant = d.Tenant
	}

	byDossier := tx.Bucket(bucketMailByDossier)
	prefix := prefixKey(d.Ref)
	n := uint64(1)
	if k, _ := lastUnder(byDossier, prefix); k != nil {
		n = binary.BigEndian.Uint64(k[len(prefix):]) + 1
	}
	if m.ID == "" {
		m.ID = d.Ref + "." + strconv.FormatUint(n, 10)
	}
	if err := checkKeyPart("mail ID", m.ID); err != nil {
		return fmt.Errorf("mail of %s: %w", d.Ref, err)
	}
	mails := tx.Bucket(bucketMails)
	if mails.Get([]byte(m.ID)) != nil {
		return fmt.Errorf("mail %s of %s is already queued", m.ID, d.Ref)
	}

	if err := putJSON(byDossier, seqKey(prefix, n), m.ID); err != nil {
		return fmt.Errorf("mail %s: %w", m.ID, err)
	}
	return putPending(tx, m, now)
}

// putPending writes m, a new mail, as pending and due now, with its
// content.
func putPending(tx *bolt.Tx, m *OutboundMail, now time.Time) error {
	m.Status = MailPending
	m.Attempts = 0
	m.CreatedAt = now
	m.NextAttempt = now
	m.LastError = ""
	if err := tx.Bucket(bucketMailRaw).Put([]byte(m.ID), m.Raw); err != nil {
		return fmt.Errorf("mail %s content: %w", m.ID, err)
	}
	return putMail(tx, m, nil)
}

// dueKey returns the mail_due key of a pending mail: its next attempt
// time, then its ID.
func dueKey(m *OutboundMail) []byte {
	return append(seqKey(nil, timeKey(m.NextAttempt)), m.ID...)
}

// putMail writes m and keeps mail_due in step: the entry of old (the
// previous version, nil for a new mail) is removed, and m gets one when
// it is pending.
func putMail(tx *bolt.Tx, m *OutboundMail, old *OutboundMail) error {
	due := tx.Bucket(bucketMailDue)
	if old != nil && old.Status == MailPending {
		if err := due.Delete(dueKey(old)); err != nil {
			return fmt.Errorf("mail %s: %w", m.ID, err)
		}
	}
	if m.Status == MailPending {
		if err := due.Put(dueKey(m), nil); err != nil {
			return fmt.Errorf("mail %s: %w", m.ID, err)
		}
	}
	if err := putJSON(tx.Bucket(bucketMails), []byte(m.ID), m); err != nil {
		return fmt.Errorf("mail %s: %w", m.ID, err)
	}
	return nil
}

func getMail(tx *bolt.Tx, id string) (*OutboundMail, error) {
	var m OutboundMail
	found, err := getJSON(tx.Bucket(bucketMails), []byte(id), &m)
	if err != nil {
		return nil, fmt.Errorf("mail %s: %w", id, err)
	}
	if !found {
		return nil, fmt.Errorf("mail %s: %w", id, ErrNotFound)
	}
	return &m, nil
}

// DueMails returns up to limit pending mails whose next attempt is at or
// before now, the earliest first, with Raw filled in. A limit of 0 or
// less means no limit.
func (s *Store) DueMails(now time.Time, limit int) ([]OutboundMail, error) {
	var out []OutboundMail
	end := timeKey(now)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMailDue).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if binary.BigEndian.Uint64(k) > end || (limit > 0 && len(out) >= limit) {
				break
			}
			m, err := getMail(tx, string(k[8:]))
			if err != nil {
				return err
			}
			v := tx.Bucket(bucketMailRaw).Get([]byte(m.ID))
			m.Raw = bytes.Clone(v)
			dropPages(tx, v)
			out = append(out, *m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("due mails: %w", err)
	}
	return out, nil
}

// NextDue returns the earliest next attempt of all pending mails, and
// false when no mail is pending.
func (s *Store) NextDue() (time.Time, bool) {
	var next time.Time
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketMailDue).Cursor().First()
		if k == nil {
			return nil
		}
		next = time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
		found = true
		return nil
	})
	if err != nil {
		s.logger.Error("read next due mail", "err", err)
		return time.Time{}, false
	}
	return next, found
}

// MailRaw returns the content of the mail with the given ID.
func (s *Store) MailRaw(id string) ([]byte, error) {
	var raw []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMailRaw).Get([]byte(id))
		if v == nil {
			return ErrNotFound
		}
		raw = bytes.Clone(v)
		dropPages(tx, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("content of mail %s: %w", id, err)
	}
	return raw, nil
}

// BeginAttempt counts a delivery attempt and moves the mail's next
// attempt to next. The worker calls it before it dials the relay, so
// that a crash during delivery leaves the mail due again at next.
func (s *Store) BeginAttempt(id string, next time.Time) error {
	err := s.updateMail(id, func(tx *bolt.Tx, m *OutboundMail) error {
		m.Attempts++
		m.NextAttempt = next.UTC().Round(0)
		return nil
	})
	if err != nil {
		return fmt.Errorf("begin attempt of mail %s: %w", id, err)
	}
	return nil
}

// BeginAttempts does what BeginAttempt does for each of ids, in one
// transaction shared with concurrent callers, and returns the ids that
// were still pending and so got their attempt recorded, in the order of
// ids. A mail that is sent, failed or unknown is left out without error,
// because another worker or a staff command may have settled it since
// the caller read the queue. The journal is not written: the outcome of
// the attempt is, by MarkSent, MarkDeferred or MarkFailed.
func (s *Store) BeginAttempts(ids []string, next time.Time) ([]string, error) {
	next = next.UTC().Round(0)
	var begun []string
	err := s.batch(func(tx *bolt.Tx) error {
		begun = begun[:0]
		for _, id := range ids {
			old, err := getMail(tx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if old.Status != MailPending {
				continue
			}
			m := *old
			m.Attempts++
			m.NextAttempt = next
			if err := putMail(tx, &m, old); err != nil {
				return err
			}
			begun = append(begun, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("begin attempts of %d mails: %w", len(ids), err)
	}
	return begun, nil
}

// MarkSent records that the relay accepted the mail. detail is the
// relay's reply. The journal event is written in the same transaction.
func (s *Store) MarkSent(id string, detail string) error {
	err := s.updateMail(id, func(tx *bolt.Tx, m *OutboundMail) error {
		m.Status = MailSent
		m.LastError = ""
		e := mailEvent(m, dossier.EventMailSent)
		e.Fields["detail"] = detail
		return s.appendMailEvent(tx, m, e)
	})
	if err != nil {
		return fmt.Errorf("mark mail %s sent: %w", id, err)
	}
	return nil
}

// MarkDeferred records a temporary failure: the mail stays pending until
// next, and the journal gets an event with the error.
func (s *Store) MarkDeferred(id string, next time.Time, errText string) error {
	err := s.updateMail(id, func(tx *bolt.Tx, m *OutboundMail) error {
		m.NextAttempt = next.UTC().Round(0)
		m.LastError = errText
		e := mailEvent(m, dossier.EventMailDeferred)
		e.Fields["error"] = errText
		e.Fields["attempts"] = strconv.Itoa(m.Attempts)
		e.Fields["next_attempt"] = m.NextAttempt.Format(time.RFC3339)
		return s.appendMailEvent(tx, m, e)
	})
	if err != nil {
		return fmt.Errorf("defer mail %s: %w", id, err)
	}
	return nil
}

// MarkFailed records a permanent failure: the mail leaves the queue and
// the journal gets an event with the error.
func (s *Store) MarkFailed(id string, errText string) error {
	err := s.updateMail(id, func(tx *bolt.Tx, m *OutboundMail) error {
		m.Status = MailFailed
		m.LastError = errText
		e := mailEvent(m, dossier.EventMailFailed)
		e.Fields["error"] = errText
		e.Fields["attempts"] = strconv.Itoa(m.Attempts)
		return s.appendMailEvent(tx, m, e)
	})
	if err != nil {
		return fmt.Errorf("mark mail %s failed: %w", id, err)
	}
	return nil
}

// updateMail runs change on a pending mail and writes the result, in a
// transaction shared with concurrent callers.
func (s *Store) updateMail(id string, change func(tx *bolt.Tx, m *OutboundMail) error) error {
	return s.batch(func(tx *bolt.Tx) error {
		old, err := getMail(tx, id)
		if err != nil {
			return err
		}
		if old.Status != MailPending {
			return fmt.Errorf("mail %s is %s: %w", id, old.Status, ErrNotPending)
		}
		m := *old
		if err := change(tx, &m); err != nil {
			return err
		}
		return putMail(tx, &m, old)
	})
}

// mailEvent returns a journal event about m, with the fields every mail
// event carries.
func mailEvent(m *OutboundMail, kind dossier.EventKind) dossier.Event {
	return dossier.Event{
		Kind:  kind,
		Actor: "outbound",
		Fields: map[string]string{
			"mail_id":    m.ID,
			"kind":       m.Kind,
			"message_id": m.MessageID,
			"to":         strings.Join(m.Recipients, ", "),
		},
	}
}

// appendMailEvent appends e to the journal of m's dossier. A mail of no
// dossier, such as a digest, has no journal: its events are logged.
func (s *Store) appendMailEvent(tx *bolt.Tx, m *OutboundMail, e dossier.Event) error {
	if m.Dossier == "" {
		s.logger.Info("mail "+string(e.Kind), "tenant", m.Tenant, "mail", m.ID, "kind", m.Kind,
			"error", e.Fields["error"])
		return nil
	}
	d, err := getDossier(tx, m.Dossier)
	if err != nil {
		return err
	}
	before := *d
	if e.Kind == dossier.EventMailSent {
		settleLetter(d, m, s.nowUTC())
	}
	if err := appendEvents(tx, d, []dossier.Event{e}, s.nowUTC()); err != nil {
		return err
	}
	if d.Pending() != before.Pending() {
		if err := replaceDueIndex(tx, &before, d); err != nil {
			return err
		}
	}
	return putDossier(tx, d)
}

// settleLetter records on d that m, just accepted by the relay, was its
// AEE or ARE: a mail whose Kind is the due kind "aee" or "are" settles
// that due date, which then leaves the due index.
func settleLetter(d *dossier.Dossier, m *OutboundMail, now time.Time) {
	switch dossier.DueKind(m.Kind) {
	case dossier.DueAEE:
		if d.AEESentAt.IsZero() {
			d.AEESentAt = now
		}
	case dossier.DueARE:
		if d.ARESentAt.IsZero() {
			d.ARESentAt = now
		}
	}
}

// Mails returns the mails of a dossier in the order they were queued,
// without Raw (see MailRaw).
func (s *Store) Mails(ref string) ([]OutboundMail, error) {
	var out []OutboundMail
	err := s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDossiers).Get([]byte(ref)) == nil {
			return ErrNotFound
		}
		prefix := prefixKey(ref)
		c := tx.Bucket(bucketMailByDossier).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var id string
			if err := json.Unmarshal(v, &id); err != nil {
				return fmt.Errorf("decode mail ID %q: %w", k, err)
			}
			m, err := getMail(tx, id)
			if err != nil {
				return err
			}
			out = append(out, *m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("mails of dossier %s: %w", ref, err)
	}
	return out, nil
}
