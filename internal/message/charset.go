package message

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// lookupCharset returns the decoder for a MIME charset label, or nil
// when the label is unknown. Labels follow the WHATWG Encoding Standard
// first, so "iso-8859-1", "latin1" and "us-ascii" decode as
// windows-1252: mail that says Latin-1 is usually Windows text with
// curly quotes and the euro sign in the 0x80-0x9F range.
func lookupCharset(label string) encoding.Encoding {
	label = cleanCharsetLabel(label)
	if label == "" {
		return nil
	}
	if isUTF8Label(label) {
		return unicode.UTF8
	}
	if enc, err := htmlindex.Get(label); err == nil {
		return enc
	}
	if enc, err := ianaindex.MIME.Encoding(label); err == nil && enc != nil {
		return enc
	}
	if trimmed := strings.TrimPrefix(label, "x-"); trimmed != label {
		return lookupCharset(trimmed)
	}
	return nil
}

// cleanCharsetLabel lower-cases a label and removes the quotes, spaces
// and "charset=" prefixes that broken mailers leave around it.
func cleanCharsetLabel(label string) string {
	label = strings.ToLower(strings.TrimSpace(label))
	label = strings.Trim(label, `"' `)
	if rest, ok := strings.CutPrefix(label, "charset="); ok {
		label = strings.Trim(rest, `"' `)
	}
	// RFC 2231 allows a language after the charset: "utf-8*fr".
	if i := strings.IndexByte(label, '*'); i >= 0 {
		label = label[:i]
	}
	return label
}

func isUTF8Label(label string) bool {
	switch label {
	case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8":
		return true
	}
	return false
}

// decodeCharset converts b from the named charset to UTF-8. It reports
// false when the charset is unknown; the result is then b repaired by
// repairUTF8. The result is always valid UTF-8.
func decodeCharset(label string, b []byte) (string, bool) {
	enc := lookupCharset(label)
	if enc == nil {
		return repairUTF8(b), false
	}
	if enc == unicode.UTF8 {
		return strings.ToValidUTF8(string(b), "\uFFFD"), true
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return repairUTF8(b), false
	}
	return strings.ToValidUTF8(string(out), "\uFFFD"), true
}

// repairUTF8 returns b as valid UTF-8: unchanged when it already is,
// decoded as GBK when its high bytes all come in pairs (the shape of CJK
// text in a legacy charset), and otherwise with its valid UTF-8
// sequences kept and every other byte read as windows-1252. The last
// rule keeps raw UTF-8 and raw Latin-1 readable in the same header.
func repairUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if looksLikeDoubleByte(b) {
		if out, err := simplifiedchinese.GBK.NewDecoder().Bytes(b); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	var out strings.Builder
	out.Grow(len(b) + len(b)/2)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			out.WriteRune(windows1252Rune(b[0]))
			b = b[1:]
			continue
		}
		out.Write(b[:size])
		b = b[size:]
	}
	return out.String()
}

// windows1252Rune returns the character of byte c in windows-1252, or
// U+FFFD for the five bytes that code page leaves undefined.
func windows1252Rune(c byte) rune {
	r := charmap.Windows1252.DecodeByte(c)
	if r >= 0x80 && r < 0xA0 {
		return '\uFFFD'
	}
	return r
}

// repairString is repairUTF8 for strings.
func repairString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return repairUTF8([]byte(s))
}

// looksLikeDoubleByte reports whether every byte above 0x7F in b is
// paired with a following byte above 0x7F, the shape of CJK text in
// GBK, Big5 or EUC. Latin text in windows-1252 has isolated high bytes
// ("r\xe9sum\xe9"), so it fails the test.
func looksLikeDoubleByte(b []byte) bool {
	pairs := 0
	for i := 0; i < len(b); i++ {
		if b[i] < 0x80 {
			continue
		}
		if i+1 >= len(b) || b[i+1] < 0x40 || b[i] == 0x80 || b[i] == 0xFF {
			return false
		}
		if b[i+1] < 0x80 {
			return false
		}
		pairs++
		i++
	}
	return pairs > 0
}
