package imap

import (
	"context"
	"fmt"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
)

// storePlaceholder stores, in place of a message given up (too large, or
// failing every fetch), a short message that sved writes from the
// envelope the server still returns: its sender, subject, date and
// Message-ID, when that fetch succeeds. The item reached the commune's
// mailbox, so the commune is seized: the dossier gets its AEE when the
// sender is known, and the service gets the forward, which names the
// folder and UID where the original waits. The placeholder holds no time of its own, so the
// same message given up again maps to the same dossier.
func (s *session) storePlaceholder(ctx context.Context, uid uint32, cause error) {
	mb := s.p.mailbox
	var env *imap.Envelope
	var size int64
	_ = s.do(func() error {
		msgs, err := s.c.Fetch(imap.UIDSetNum(imap.UID(uid)), &imap.FetchOptions{
			UID: true, Envelope: true, RFC822Size: true}).Collect()
		if err == nil && len(msgs) > 0 {
			env, size = msgs[0].Envelope, msgs[0].RFC822Size
		}
		return err
	})
	raw := placeholder(mb.Name, mb.Folder, s.uidValidity, uid, size, env, cause)
	results, err := s.safeDeliver(ctx, &intake.Envelope{
		Channel:    dossier.ChannelIMAP,
		Remote:     mb.Address(),
		From:       envelopeSender(raw),
		Recipients: []string{mb.Intake},
		Raw:        raw,
	})
	if err != nil {
		s.p.log.Error("imap message given up, and its placeholder not stored", "uid", uid, "err", err)
		return
	}
	ref := ""
	if len(results) > 0 {
		ref = results[0].Ref
	}
	s.p.log.Warn("imap message given up: a placeholder dossier tells the service", "uid", uid, "dossier", ref)
}

// placeholder writes the message that stands for a message given up.
func placeholder(mailbox, folder string, uidValidity, uid uint32, size int64, env *imap.Envelope, cause error) []byte {
	var b strings.Builder
	header := func(name, value string) {
		value = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, value)
		if value != "" {
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	subject := "(sans objet)"
	messageID := fmt.Sprintf("unfetched.%d.%d.%s@imap.invalid", uidValidity, uid, mailbox)
	if env != nil {
		if len(env.From) > 0 {
			header("From", formatAddress(env.From[0]))
		}
		if env.Subject != "" {
			subject = env.Subject
		}
		if !env.Date.IsZero() {
			header("Date", env.Date.Format(time.RFC1123Z))
		}
		if env.MessageID != "" {
			messageID = env.MessageID
		}
	}

	header("Subject", mime.QEncoding.Encode("utf-8", subject))
	header("Message-ID", "<"+messageID+">")
	header("X-Sved-Unfetched", fmt.Sprintf("mailbox=%s; folder=%s; uidvalidity=%d; uid=%d", mailbox, folder, uidValidity, uid))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")

	fmt.Fprintf(&b, "Ce message n'a pas pu être lu dans la boîte « %s » (dossier %s, UID %d", mailbox, folder, uid)
	if size > 0 {
		fmt.Fprintf(&b, ", %d octets", size)
	}
	b.WriteString(").\r\nIl est resté sur le serveur de messagerie : consultez-le avec votre logiciel de messagerie.\r\n")
	fmt.Fprintf(&b, "Cause : %s\r\n", strings.ReplaceAll(cause.Error(), "\n", " "))
	return []byte(b.String())
}

// formatAddress writes an envelope address for a From header.
func formatAddress(a imap.Address) string {
	addr := a.Addr()
	if addr == "" {
		return ""
	}
	if a.Name == "" {
		return "<" + addr + ">"
	}
	return mime.QEncoding.Encode("utf-8", a.Name) + " <" + addr + ">"
}
