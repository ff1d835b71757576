package message

import (
	"net/mail"
	"strings"
	"time"
)

// parseMsgIDs returns the message ids found in the values of a
// Message-ID, In-Reply-To or References field, without angle brackets,
// in order and without repeats. An id broken by whitespace or lacking
// its closing bracket is skipped, and broken reports whether that
// happened. Values with no angle bracket at all are read as
// whitespace-separated bare ids that contain an "@", a shape some
// mailers write.
func parseMsgIDs(values []string) (ids []string, broken bool) {
	seen := make(map[string]bool)
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, v := range values {
		v = stripComments(v)
		if !strings.ContainsAny(v, "<>") {
			for _, f := range strings.FieldsFunc(v, isIDSeparator) {
				if strings.Contains(f, "@") {
					add(f)
				} else {
					broken = true
				}
			}
			continue
		}
		for v != "" {
			open := strings.IndexByte(v, '<')
			if open < 0 {
				break
			}
			v = v[open+1:]
			closing := strings.IndexAny(v, "<>")
			if closing < 0 || v[closing] == '<' {
				broken = true
				continue
			}
			id := v[:closing]
			v = v[closing+1:]
			if id == "" || strings.ContainsAny(id, " \t\r\n") {
				broken = true
				continue
			}
			add(id)
		}
	}
	return ids, broken
}

func isIDSeparator(r rune) bool {
	return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n'
}

// stripComments removes RFC 5322 comments "(...)" outside angle
// brackets, since some mailers write "<id> (added by relay)".
func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth, angle := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '<' && depth == 0:
			angle = true
		case c == '>' && depth == 0:
			angle = false
		case c == '(' && !angle:
			depth++
			continue
		case c == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// dateLayouts are the shapes tried when net/mail rejects a Date field,
// after comments are removed.
var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	time.RFC3339,
}

// parseDate parses a Date field leniently. It reports false when the
// value cannot be read, and returns the zero time then.
func parseDate(value string) (time.Time, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return time.Time{}, true
	}
	if t, err := mail.ParseDate(value); err == nil {
		return t, true
	}
	clean := strings.Join(strings.Fields(stripComments(value)), " ")
	clean = strings.TrimSuffix(clean, ",")
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, clean); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
