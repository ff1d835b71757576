package config

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Limits from RFC 5321 section 4.5.3.1, and the DNS limit on a name.
const (
	maxLocalPartOctets = 64
	maxDomainOctets    = 253
	maxLabelOctets     = 63
)

var (
	errEmptyAddress   = errors.New("empty address")
	errSourceRoute    = errors.New("source routes are not accepted")
	errAddressLiteral = errors.New("address literals are not accepted")
)

// mailbox is an RFC 5321 mailbox reduced to the form sved compares.
type mailbox struct {
	// local is the local part in lower case. A quoted-string whose
	// content is a valid dot-string is stored unquoted, because RFC 5321
	// section 4.1.2 makes both forms the same mailbox.
	local string
	// quoted is true when local is still a quoted-string, which no
	// configured address ever is.
	quoted bool
	// domain is the domain in lower-case ASCII, with IDN labels in their
	// punycode (A-label) form.
	domain string
}

// String returns the address in the compared form, local@domain.
func (m mailbox) String() string {
	return m.local + "@" + m.domain
}

// parseMailbox parses a bare RFC 5321 mailbox (Local-part "@" Domain),
// optionally enclosed in angle brackets, and returns its compared form.
// It rejects source routes and address literals. UTF-8 is accepted in
// the local part and the domain as RFC 6531 allows.
func parseMailbox(s string) (mailbox, error) {
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	if s == "" {
		return mailbox{}, errEmptyAddress
	}
	if s[0] == '@' {
		return mailbox{}, errSourceRoute
	}
	if !utf8.ValidString(s) {
		return mailbox{}, errors.New("address is not valid UTF-8")
	}

	local, quoted, rest, err := splitLocalPart(s)
	if err != nil {
		return mailbox{}, err
	}
	if len(local) > maxLocalPartOctets {
		return mailbox{}, fmt.Errorf("local part longer than %d octets", maxLocalPartOctets)
	}
	if rest == "" || rest[0] != '@' {
		return mailbox{}, errors.New("missing @domain")
	}
	domain := rest[1:]
	if strings.HasPrefix(domain, "[") {
		return mailbox{}, errAddressLiteral
	}
	domain, err = normalizeDomain(domain)
	if err != nil {
		return mailbox{}, err
	}

	return mailbox{local: strings.ToLower(local), quoted: quoted, domain: domain}, nil
}

// splitLocalPart reads the local part at the start of s and returns it,
// whether it stays quoted, and the text after it.
func splitLocalPart(s string) (local string, quoted bool, rest string, err error) {
	if s[0] != '"' {
		at := strings.IndexByte(s, '@')
		if at < 0 {
			return "", false, "", errors.New("missing @domain")
		}
		if !isDotString(s[:at]) {
			return "", false, "", fmt.Errorf("invalid local part %q", s[:at])
		}
		return s[:at], false, s[at:], nil
	}

	content, n, err := readQuotedString(s)
	if err != nil {
		return "", false, "", err
	}
	if isDotString(content) {
		return content, false, s[n:], nil
	}
	return quoteLocalPart(content), true, s[n:], nil
}

// readQuotedString reads an RFC 5321 Quoted-string at the start of s and
// returns its content without quoting and the number of bytes read.
func readQuotedString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), i + 1, nil
		case c == '\\':
			// quoted-pairSMTP is a backslash and one printable ASCII character.
			if i+1 >= len(s) || s[i+1] < 32 || s[i+1] > 126 {
				return "", 0, errors.New("invalid quoted pair in local part")
			}
			i++
			b.WriteByte(s[i])
		case c >= 32 && c <= 126, c >= utf8.RuneSelf:
			b.WriteByte(c)
		default:
			return "", 0, fmt.Errorf("invalid character %q in quoted local part", c)
		}
	}
	return "", 0, errors.New("unterminated quoted local part")
}

// quoteLocalPart writes content as a quoted-string, escaping only the two
// characters that need it, so that equal contents give equal strings.
func quoteLocalPart(content string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(content); i++ {
		if content[i] == '"' || content[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(content[i])
	}
	b.WriteByte('"')
	return b.String()
}

// isDotString reports whether s is an RFC 5321 Dot-string, with the
// UTF-8 characters RFC 6531 adds to atext.
func isDotString(s string) bool {
	if s == "" {
		return false
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for _, r := range atom {
			if !isAtext(r) {
				return false
			}
		}
	}
	return true
}

// isAtext reports whether r is an atext character of RFC 5322 section
// 3.2.3, extended with non-ASCII characters by RFC 6532.
func isAtext(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	case r >= utf8.RuneSelf:
		return r != utf8.RuneError
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)
}

// normalizeDomain returns d in lower-case ASCII, converting an IDN given
// in Unicode to its punycode form, and checks that every label is a
// letter-digit-hyphen label of at most 63 octets.
func normalizeDomain(d string) (string, error) {
	if d == "" {
		return "", errors.New("missing domain")
	}
	ascii := strings.ToLower(d)
	if !isASCII(d) {
		var err error
		ascii, err = idna.Lookup.ToASCII(d)
		if err != nil {
			return "", fmt.Errorf("invalid international domain %q: %w", d, err)
		}
	}
	if len(ascii) > maxDomainOctets {
		return "", fmt.Errorf("domain longer than %d octets", maxDomainOctets)
	}
	for _, label := range strings.Split(ascii, ".") {
		if !isLDHLabel(label) {
			return "", fmt.Errorf("invalid domain %q", d)
		}
	}
	return ascii, nil
}

// isLDHLabel reports whether label is 1 to 63 lower-case letters, digits
// and hyphens, with no hyphen at either end.
func isLDHLabel(label string) bool {
	if label == "" || len(label) > maxLabelOctets {
		return false
	}
	if label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// parseConfigMailbox parses an address written in the configuration.
// Such an address must be a bare addr-spec whose local part is a
// dot-string, so that every configured mailbox has one compared form.
func parseConfigMailbox(s string) (mailbox, error) {
	if strings.ContainsAny(s, "<>") {
		return mailbox{}, errors.New("write a bare address without a display name or angle brackets")
	}
	m, err := parseMailbox(s)
	if err != nil {
		return mailbox{}, err
	}
	if m.quoted {
		return mailbox{}, errors.New("quoted local parts are not accepted here")
	}
	return m, nil
}
