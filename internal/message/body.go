package message

import (
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/jhillyerd/enmime/v2"
)

// altState records which bodies one multipart/alternative has given,
// so that only its first text/plain and first text/html become bodies.
type altState struct {
	text, html bool
}

// leaf is a MIME part that is not a body: an attachment or inline part
// before classification.
type leaf struct {
	part      *enmime.Part
	inRelated bool
}

// bodyCollector walks the enmime part tree and sorts leaf parts into
// text bodies, HTML bodies and the other leaves.
type bodyCollector struct {
	parse  *parseState
	texts  []string
	htmls  []string
	leaves []leaf
}

// walk visits part and its descendants in document order.
func (c *bodyCollector) walk(part *enmime.Part, inRelated bool, alt *altState) {
	if part == nil {
		return
	}
	ctype := part.ContentType
	if strings.HasPrefix(ctype, "multipart/") && part.FirstChild != nil {
		switch ctype {
		case "multipart/alternative":
			alt = &altState{}
		case "multipart/related":
			inRelated = true
		}
		for child := part.FirstChild; child != nil; child = child.NextSibling {
			c.walk(child, inRelated, alt)
		}
		return
	}
	c.visitLeaf(part, inRelated, alt)
}

// visitLeaf adds one leaf part to the text or HTML bodies, or to the
// leaves. A second text/plain or text/html body of the same
// multipart/alternative is dropped, since it repeats the first.
func (c *bodyCollector) visitLeaf(part *enmime.Part, inRelated bool, alt *altState) {
	switch c.bodyKind(part) {
	case "text":
		if alt != nil && alt.text {
			return
		}
		if alt != nil {
			alt.text = true
		}
		c.texts = append(c.texts, c.parse.textContent(part))
	case "html":
		if alt != nil && alt.html {
			return
		}
		if alt != nil {
			alt.html = true
		}
		c.htmls = append(c.htmls, c.parse.textContent(part))
	default:
		c.leaves = append(c.leaves, leaf{part: part, inRelated: inRelated})
	}
}

// bodyKind returns "text" or "html" for a part that is a message body,
// and "" for an attachment. A body part has a text/plain or text/html
// type (or none, or a multipart type enmime read as one part because
// its boundary is missing), is not marked as an attachment and has no
// file name.
func (c *bodyCollector) bodyKind(part *enmime.Part) string {
	if strings.EqualFold(part.Disposition, "attachment") || c.parse.fileName(part) != "" {
		return ""
	}
	switch {
	case part.ContentType == "text/plain", part.ContentType == "":
		return "text"
	case part.ContentType == "text/html":
		return "html"
	case strings.HasPrefix(part.ContentType, "multipart/") && part.FirstChild == nil:
		return "text"
	}
	return ""
}

// textContent returns the decoded text of a body part as valid UTF-8.
// It repairs what enmime cannot: an unknown transfer encoding, a text
// part whose base64 is not base64, and invalid bytes.
func (s *parseState) textContent(part *enmime.Part) string {
	content := part.Content
	cte, guessed := transferEncoding(part.Header.Get("Content-Transfer-Encoding"))
	switch {
	case guessed && cte != "":
		// enmime left the content undecoded and in its charset.
		content = decodeTransfer(cte, content)
		return s.toUTF8(part, content)
	case guessed:
		return s.toUTF8(part, content)
	case cte == "base64" && len(content) > 0 && !looksLikeText(content):
		if raw := s.rawContent(part); raw != nil && looksLikeText(raw) {
			s.warn("%s is labelled base64 but is not; its raw text was kept.",
				partLabel(part.PartID))
			return s.toUTF8(part, raw)
		}
	}
	if raw := s.undeclaredUTF8(part, content, cte); raw != nil {
		return string(raw)
	}
	if !utf8.Valid(content) {
		return s.toUTF8(part, content)
	}
	return string(content)
}

// undeclaredUTF8 returns the raw bytes of a text part that declares no
// charset, is sent unencoded (7bit, 8bit or binary) and is valid UTF-8
// with some non-ASCII byte, or nil. enmime reads such a part as ASCII
// or Latin-1 and turns each accented letter into two, but mail clients
// that leave out the charset nearly always write UTF-8 (RFC 6657 lets
// UTF-8 be assumed for text where the charset is not given).
func (s *parseState) undeclaredUTF8(part *enmime.Part, content []byte, cte string) []byte {
	switch cte {
	case "", "7bit", "8bit", "binary":
	default:
		return nil
	}
	if isASCII(content) {
		return nil
	}
	if _, params, err := mime.ParseMediaType(part.Header.Get("Content-Type")); err == nil && params["charset"] != "" {
		return nil
	} else if err != nil && part.Header.Get("Content-Type") != "" {
		return nil
	}
	raw := s.rawContent(part)
	if raw == nil || isASCII(raw) || !utf8.Valid(raw) {
		return nil
	}
	return raw
}

// isASCII reports whether b holds ASCII bytes only.
func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// toUTF8 converts the content of a text part, still in its declared
// charset or in a charset enmime could not decode, to valid UTF-8.
func (s *parseState) toUTF8(part *enmime.Part, content []byte) string {
	charset := part.Charset
	if lookupCharset(charset) == nil {
		if !utf8.Valid(content) {
			s.warn("%s is not valid UTF-8 and its charset is unknown; "+
				"it was decoded by a guess.", partLabel(part.PartID))
		}
		return repairUTF8(content)
	}
	text, _ := decodeCharset(charset, content)
	if strings.Contains(text, "\uFFFD") && !strings.Contains(string(content), "\uFFFD") {
		s.warn("%s contains invalid %s bytes; they were replaced.",
			partLabel(part.PartID), cleanCharsetLabel(charset))
	}
	return text
}

// looksLikeText reports whether b is mostly printable text, which
// base64 decoded from something that was not base64 rarely is.
func looksLikeText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	if !utf8.Valid(b) {
		return false
	}
	bad := 0
	for _, r := range string(b) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == utf8.RuneError {
			bad++
		}
	}
	return bad*20 < len(b)
}
