// Package message turns a raw mail (RFC 5322, MIME per RFC 2045-2049)
// into the normalized Message that the intake pipeline stores, and tells
// whether the mail was sent by a machine (RFC 3834 auto-replies, RFC 3464
// delivery reports, RFC 8098 read receipts, RFC 2369/2919 list mail,
// bulk and spam-tagged mail).
//
// Parse reads the MIME structure with enmime and repairs around it what
// real mail breaks: lines before the header, RFC 2047 words inside
// quoted strings and file names, unknown charsets, raw 8-bit header
// bytes, invalid UTF-8, transfer encodings with typos, missing
// boundaries. It never rejects a message: problems become Warnings,
// and every string it returns is valid UTF-8.
package message

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/inbucket/html2text"
	"github.com/jhillyerd/enmime/v2"
	"github.com/jhillyerd/enmime/v2/mediatype"

	"github.com/sved-project/sved/internal/dossier"
)

// noSubject is the subject given to mail without one.
const noSubject = "(sans objet)"

// maxWarnings bounds the warnings kept for one message, so that a
// message with thousands of broken parts stays small.
const maxWarnings = 50

// parseState holds what one call of Parse collects besides the Message.
type parseState struct {
	msg      *Message
	body     []byte                  // raw without the lines before the header
	names    map[*enmime.Part]string // decoded file names, by part
	rawParts map[string]*enmime.Part // parts of the raw re-parse, by PartID
	rawDone  bool
	seen     map[string]bool // warnings already recorded
}

// Parse parses raw into a Message. It never fails and never panics: a
// malformed message yields what could be read plus Warnings, and a
// message enmime cannot read at all yields its raw text as the body.
// m.Raw is raw itself, not a copy; a nil raw gives an empty message.
// A multipart structure nested beyond the limits in nesting.go is not
// split into parts, because enmime would take exponential time on it.
func Parse(raw []byte) (m *Message) {
	m = &Message{Raw: raw, Header: map[string][]string{}}
	s := &parseState{msg: m, names: map[*enmime.Part]string{}, seen: map[string]bool{}}
	defer func() {
		if r := recover(); r != nil {
			s.fallback(fmt.Sprintf("The parser failed (%v); the message was kept as raw text.", r))
		}
	}()

	body, junk := trimLeadingJunk(raw)
	s.body = body
	for _, w := range junk {
		s.warn("%s", w)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		s.warn("The message is empty.")
		m.Subject = noSubject
		return m
	}

	if problem := nestingProblem(body); problem != "" {
		s.fallback(problem)
		return m
	}
	root, err := newParser(false).ReadParts(bytes.NewReader(body))
	if err != nil {
		s.fallback(fmt.Sprintf("The MIME structure could not be read (%v); "+
			"the message was kept as raw text.", err))
		return m
	}
	m.Header = copyHeader(root.Header)
	s.readHeader()
	s.readBody(root)
	s.collectPartErrors(root)
	m.Automatic = detectAutomatic(m, root)
	return m
}

// newParser returns the enmime parser Parse uses. With raw set, parts
// keep their transfer encoding and charset.
func newParser(raw bool) *enmime.Parser {
	return enmime.NewParser(
		enmime.SkipMalformedParts(true),
		enmime.MultipartWOBoundaryAsSinglePart(true),
		enmime.SetReadPartErrorPolicy(keepCorruptContent),
		enmime.DisableCharacterDetection(true),
		enmime.RawContent(raw),
		enmime.SetCustomParseMediaType(parseMediaType),
	)
}

// parseMediaType parses a Content-Type or Content-Disposition value as
// enmime does, then relabels Latin-1 and US-ASCII text as windows-1252,
// the superset that such mail really uses (see lookupCharset).
func parseMediaType(value string) (string, map[string]string, []string, error) {
	mtype, params, invalid, err := mediatype.Parse(value)
	if err != nil {
		return mtype, params, invalid, err
	}
	if cs, ok := params["charset"]; ok {
		switch cleanCharsetLabel(cs) {
		case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "us-ascii", "ascii":
			params["charset"] = "windows-1252"
		}
	}
	return mtype, params, invalid, nil
}

// keepCorruptContent tells enmime to keep what it decoded of a part whose
// content could not be fully decoded (illegal base64 characters, corrupt
// base64 input) instead of dropping the part; the error becomes a
// warning on the part.
func keepCorruptContent(_ *enmime.Part, _ error) bool {
	return true
}

// readBody fills the bodies, attachments and inline parts.
func (s *parseState) readBody(root *enmime.Part) {
	m := s.msg
	c := &bodyCollector{parse: s}
	c.walk(root, false, nil)
	m.Text = joinBodies(c.texts)
	m.HTML = joinBodies(c.htmls)
	if strings.HasPrefix(root.ContentType, "multipart/") && root.FirstChild == nil &&
		len(root.Content) == 0 {
		if raw := bodySection(s.body); len(bytes.TrimSpace(raw)) > 0 {
			s.warn("The multipart body has no part that matches its boundary; " +
				"its raw text was kept as the body.")
			m.Text = repairUTF8(raw)
		} else {
			s.warn("The message declares a multipart body but has none.")
		}
	}
	s.sortLeaves(m, c.leaves)
	if strings.TrimSpace(m.Text) == "" && strings.TrimSpace(m.HTML) != "" {
		text, err := html2text.FromString(m.HTML)
		if err != nil {
			s.warn("The HTML body could not be converted to text: %v.", err)
		} else {
			m.Text = strings.ToValidUTF8(text, "\uFFFD")
		}
	}
}

// joinBodies joins the body parts of a multipart/mixed message, the
// way mail clients show them one after the other.
func joinBodies(parts []string) string {
	var kept []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}

// fallback fills the message from a best-effort header scan and keeps
// the whole raw message, repaired to UTF-8, as its text.
func (s *parseState) fallback(warning string) {
	m := s.msg
	s.warn("%s", warning)
	m.Unreadable = true
	m.From, m.ReplyTo, m.To, m.Cc = nil, nil, nil, nil
	m.Sender = dossier.Address{}
	m.Attachments, m.Inlines = nil, nil
	m.HTML = ""
	m.Header = scanHeader(s.body)
	s.readHeader()
	m.Text = repairUTF8(s.body)
	m.Automatic = detectAutomatic(m, nil)
}

// warn records one warning, once, up to maxWarnings.
func (s *parseState) warn(format string, args ...any) {
	w := strings.ToValidUTF8(fmt.Sprintf(format, args...), "\uFFFD")
	if s.seen[w] {
		return
	}
	s.seen[w] = true
	if len(s.msg.Warnings) == maxWarnings {
		s.msg.Warnings = append(s.msg.Warnings, "Further warnings were dropped.")
	}
	if len(s.msg.Warnings) >= maxWarnings {
		return
	}
	s.msg.Warnings = append(s.msg.Warnings, w)
}

// rawContent returns the content of part as found in the message, before
// transfer and charset decoding, or nil when the raw re-parse failed or
// does not have the same parts.
func (s *parseState) rawContent(part *enmime.Part) []byte {
	if !s.rawDone {
		s.rawDone = true
		root, err := newParser(true).ReadParts(bytes.NewReader(s.body))
		if err == nil {
			s.rawParts = map[string]*enmime.Part{}
			_ = root.DepthMatchAll(func(p *enmime.Part) bool {
				s.rawParts[p.PartID] = p
				return false
			})
		}
	}
	raw, ok := s.rawParts[part.PartID]
	if !ok || raw.ContentType != part.ContentType {
		return nil
	}
	return raw.Content
}
