package message

import (
	"bytes"
	"net/textproto"
	"strings"
)

// maxJunkLines bounds how many leading lines trimLeadingJunk may drop.
const maxJunkLines = 5

// trimLeadingJunk returns raw without the lines that precede the first
// header field: an mbox "From " separator, blank or whitespace-only lines,
// and one line that is not a header field when a header field follows
// it. enmime rejects a message that starts with any of them. The
// returned slice shares raw's bytes.
func trimLeadingJunk(raw []byte) ([]byte, []string) {
	var warnings []string
	for i := 0; i < maxJunkLines && len(raw) > 0; i++ {
		line, rest := splitLine(raw)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			if len(rest) == 0 {
				return rest, warnings
			}
			warnings = append(warnings, "Blank lines before the header were ignored.")
		case bytes.HasPrefix(line, []byte("From ")):
			warnings = append(warnings, `A leading mbox "From " line was ignored.`)
		case !isHeaderLine(line) && isHeaderLine(firstLine(rest)):
			warnings = append(warnings, "A first line that is not a header field was ignored.")
		default:
			return raw, warnings
		}
		raw = rest
	}
	return raw, warnings
}

// splitLine returns the first line of b without its line ending, and
// the bytes after that line ending.
func splitLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:]
}

func firstLine(b []byte) []byte {
	line, _ := splitLine(b)
	return line
}

// isHeaderLine reports whether line starts with a field name (printable
// US-ASCII except the colon, as RFC 5322 defines it) followed by a colon.
func isHeaderLine(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	for _, c := range line[:colon] {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// scanHeader reads header fields from the start of raw up to the first
// blank line, unfolding continuation lines and skipping lines that are
// neither a field nor a continuation. It never fails; it serves when
// enmime cannot parse the message and for the header of an enclosed
// message/rfc822 part.
func scanHeader(raw []byte) map[string][]string {
	header := make(map[string][]string)
	var name string
	var value strings.Builder
	commit := func() {
		if name != "" {
			header[name] = append(header[name], repairString(strings.TrimSpace(value.String())))
		}
		name = ""
		value.Reset()
	}
	for len(raw) > 0 {
		line, rest := splitLine(raw)
		raw = rest
		if len(bytes.TrimSpace(line)) == 0 {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && name != "" {
			value.WriteByte(' ')
			value.Write(bytes.TrimSpace(line))
			continue
		}
		if !isHeaderLine(line) {
			continue
		}
		commit()
		colon := bytes.IndexByte(line, ':')
		name = textproto.CanonicalMIMEHeaderKey(string(line[:colon]))
		value.Write(line[colon+1:])
	}
	commit()
	return header
}

// copyHeader returns h with names in net/textproto canonical form and
// every value repaired to valid UTF-8; encoded-words stay encoded.
func copyHeader(h textproto.MIMEHeader) map[string][]string {
	header := make(map[string][]string, len(h))
	for name, values := range h {
		key := textproto.CanonicalMIMEHeaderKey(repairString(name))
		for _, v := range values {
			header[key] = append(header[key], repairString(v))
		}
	}
	return header
}

// headerValues returns every value of the named field in h.
func headerValues(h map[string][]string, name string) []string {
	return h[textproto.CanonicalMIMEHeaderKey(name)]
}

// headerValue returns the first non-blank value of the named field in h.
func headerValue(h map[string][]string, name string) string {
	for _, v := range headerValues(h, name) {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// cleanText turns decoded header text into one line: control characters
// become spaces and the ends are trimmed.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// bodySection returns what follows the header of raw: the bytes after
// the first blank line, or nothing when there is none.
func bodySection(raw []byte) []byte {
	for len(raw) > 0 {
		line, rest := splitLine(raw)
		if len(line) == 0 {
			return rest
		}
		raw = rest
	}
	return nil
}
