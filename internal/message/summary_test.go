package message

import (
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

// summary is the part of a Message that golden files record. Contents
// are replaced by their size and hash, and bodies are cut, so that the
// files stay readable.
type summary struct {
	Sender      dossier.Address   `json:"sender"`
	From        []dossier.Address `json:"from,omitempty"`
	To          []dossier.Address `json:"to,omitempty"`
	Cc          []dossier.Address `json:"cc,omitempty"`
	ReplyTo     []dossier.Address `json:"reply_to,omitempty"`
	Subject     string            `json:"subject"`
	MessageID   string            `json:"message_id,omitempty"`
	InReplyTo   []string          `json:"in_reply_to,omitempty"`
	References  []string          `json:"references,omitempty"`
	Date        string            `json:"date,omitempty"`
	Text        string            `json:"text"`
	HTML        string            `json:"html,omitempty"`
	Attachments []partSummary     `json:"attachments,omitempty"`
	Inlines     []partSummary     `json:"inlines,omitempty"`
	Automatic   Verdict           `json:"automatic"`
	Warnings    []string          `json:"warnings,omitempty"`
}

type partSummary struct {
	FileName    string `json:"file_name"`
	ContentType string `json:"content_type"`
	ContentID   string `json:"content_id,omitempty"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

// maxSummaryText is how much of each body a summary keeps, in runes.
const maxSummaryText = 400

func summarize(m *Message) summary {
	s := summary{
		Sender: m.Sender, From: m.From, To: m.To, Cc: m.Cc, ReplyTo: m.ReplyTo,
		Subject: m.Subject, MessageID: m.MessageID,
		InReplyTo: m.InReplyTo, References: m.References,
		Text: cut(m.Text), HTML: cut(m.HTML),
		Automatic: m.Automatic, Warnings: m.Warnings,
	}
	if !m.Date.IsZero() {
		s.Date = m.Date.UTC().Format(time.RFC3339)
	}
	for _, p := range m.Attachments {
		s.Attachments = append(s.Attachments, summarizePart(p))
	}
	for _, p := range m.Inlines {
		s.Inlines = append(s.Inlines, summarizePart(p))
	}
	return s
}

func summarizePart(p Part) partSummary {
	return partSummary{p.FileName, p.ContentType, p.ContentID, p.Size(), p.SHA256}
}

func cut(s string) string {
	r := []rune(s)
	if len(r) > maxSummaryText {
		return string(r[:maxSummaryText]) + "…"
	}
	return s
}
