package message

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// Size returns the length of the decoded content in bytes.
func (p Part) Size() int64 {
	return int64(len(p.Content))
}

// newPart builds a Part and computes the hash of its content.
func newPart(name, contentType, contentID string, content []byte) Part {
	sum := sha256.Sum256(content)
	return Part{
		FileName:    name,
		ContentType: contentType,
		ContentID:   contentID,
		Content:     content,
		SHA256:      hex.EncodeToString(sum[:]),
	}
}

// sortLeaves fills m.Attachments and m.Inlines from the non-body parts.
// A part is inline when it is shown inside the HTML body: it has a
// Content-ID and sits in a multipart/related or is referenced as
// "cid:" from the HTML, or it is an image with an inline disposition.
// Every other part, including text/calendar alternatives, enclosed
// messages, winmail.dat and S/MIME signatures, is an attachment.
func (s *parseState) sortLeaves(m *Message, leaves []leaf) {
	html := strings.ToLower(m.HTML)
	for _, l := range leaves {
		part := l.part
		ctype := part.ContentType
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		content := s.leafContent(part)
		name := s.fileName(part)
		if name == "" && ctype == "message/rfc822" {
			name = enclosedMessageName(content)
		}
		cid := strings.TrimSpace(repairString(part.ContentID))
		referenced := cid != "" && strings.Contains(html, "cid:"+strings.ToLower(cid))
		inline := cid != "" && (l.inRelated || referenced) ||
			strings.EqualFold(part.Disposition, "inline") && strings.HasPrefix(ctype, "image/")
		if inline {
			name = sanitizeFileName(name, len(m.Inlines)+1, ctype)
			m.Inlines = append(m.Inlines, newPart(name, ctype, cid, content))
			continue
		}
		name = sanitizeFileName(name, len(m.Attachments)+1, ctype)
		m.Attachments = append(m.Attachments, newPart(name, ctype, cid, content))
	}
}

// leafContent returns the bytes of an attachment as sent, decoded from
// its transfer encoding only. enmime converts text/* parts to UTF-8, so
// for those the content comes from the raw re-parse when it succeeds.
func (s *parseState) leafContent(part *enmime.Part) []byte {
	cte, guessed := transferEncoding(part.Header.Get("Content-Transfer-Encoding"))
	if guessed {
		return decodeTransfer(cte, part.Content)
	}
	if !strings.HasPrefix(part.ContentType, "text/") {
		return part.Content
	}
	if raw := s.rawContent(part); raw != nil {
		return decodeTransfer(cte, raw)
	}
	return part.Content
}

// fileName returns the decoded file name a part declares, or "". It
// prefers the raw parameters over enmime's FileName, which is wrong for
// RFC 2047 words inside quoted values.
func (s *parseState) fileName(part *enmime.Part) string {
	if name, ok := s.names[part]; ok {
		return name
	}
	name := rawFileName(part.Header.Get("Content-Disposition"), part.Header.Get("Content-Type"))
	if name == "" && part.FileName != "" {
		name, _ = decodeWords(repairString(part.FileName))
	}
	name = strings.TrimSpace(strings.Trim(name, `"`))
	s.names[part] = name
	return name
}

// enclosedMessageName names a message/rfc822 part that declares no file
// name: its Subject followed by ".eml", or "message.eml".
func enclosedMessageName(content []byte) string {
	header := scanHeader(content)
	subject, _ := decodeWords(headerValue(header, "Subject"))
	subject = cleanText(subject)
	if subject == "" {
		return "message.eml"
	}
	return subject + ".eml"
}
