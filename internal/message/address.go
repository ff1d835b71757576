package message

import (
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"strings"

	"github.com/sved-project/sved/internal/dossier"
)

// addrSpecPattern matches a bare addr-spec in header text. It is looser
// than RFC 5322 on purpose: it serves to recover an address from fields
// that net/mail rejects.
var addrSpecPattern = regexp.MustCompile(
	`[\p{L}\p{N}!#$%&'*+/=?^_` + "`" + `{|}~.-]+@[\p{L}\p{N}](?:[\p{L}\p{N}.-]*[\p{L}\p{N}])?`)

// encodedWordPattern matches one RFC 2047 encoded-word.
var encodedWordPattern = regexp.MustCompile(`=\?[^?\s]+\?[bBqQ]\?[^?]*\?=`)

// addressParser parses address lists. Its word decoder accepts every
// charset that lookupCharset accepts.
var addressParser = mail.AddressParser{WordDecoder: &mime.WordDecoder{
	CharsetReader: func(label string, r io.Reader) (io.Reader, error) {
		enc := lookupCharset(label)
		if enc == nil {
			return nil, fmt.Errorf("unknown charset %q", label)
		}
		return enc.NewDecoder().Reader(r), nil
	},
}}

// parseAddressList parses the raw value of an address field. Addresses
// come only from addr-specs written in raw; text that merely looks like
// an address after RFC 2047 decoding never becomes one. When net/mail
// rejects the field, each comma-separated member is parsed leniently
// and ok is false.
func parseAddressList(raw string) (list []dossier.Address, ok bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, true
	}
	if parsed, err := addressParser.ParseList(raw); err == nil {
		for _, a := range parsed {
			list = append(list, dossier.Address{
				Name: decodeDisplayName(a.Name),
				Addr: normalizeAddr(a.Address),
			})
		}
		if allValid(list) {
			return list, true
		}
		list = nil
	}
	for _, member := range splitAddressList(raw) {
		for _, a := range parseMemberLeniently(member) {
			if validAddr(a.Addr) {
				list = append(list, a)
			}
		}
	}
	return list, false
}

// hostnamePattern matches a domain name made of letters, digits and
// hyphens, internationalized or not.
var hostnamePattern = regexp.MustCompile(
	`^[\p{L}\p{N}]([\p{L}\p{N}_-]*[\p{L}\p{N}])?(\.[\p{L}\p{N}]([\p{L}\p{N}_-]*[\p{L}\p{N}])?)*$`)

// validAddr reports whether addr can be used to write back: a local part
// that is not an encoded-word, and a domain that is a host name or an
// address literal. net/mail accepts "=?utf-8?Q?a@b.fr?=" as an
// addr-spec because "=" and "?" are atext, which validAddr rejects.
func validAddr(addr string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return false
	}
	local, domain := addr[:at], addr[at+1:]
	if strings.HasPrefix(local, "=?") {
		return false
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return true
	}
	return hostnamePattern.MatchString(domain)
}

func allValid(list []dossier.Address) bool {
	for _, a := range list {
		if !validAddr(a.Addr) {
			return false
		}
	}
	return true
}

// parseMemberLeniently recovers the addresses of one list member that
// net/mail rejected: the angle-addr with the text before it as display
// name, or else every bare addr-spec outside encoded-words.
func parseMemberLeniently(member string) []dossier.Address {
	open := strings.LastIndexByte(member, '<')
	if open >= 0 {
		closing := strings.IndexByte(member[open:], '>')
		if closing > 0 {
			inner := strings.TrimSpace(member[open+1 : open+closing])
			if addrSpecPattern.FindString(inner) == inner && inner != "" {
				return []dossier.Address{{
					Name: decodeDisplayName(unquote(strings.TrimSpace(member[:open]))),
					Addr: normalizeAddr(inner),
				}}
			}
		}
	}
	plain := encodedWordPattern.ReplaceAllString(member, " ")
	var list []dossier.Address
	for _, spec := range addrSpecPattern.FindAllString(plain, -1) {
		list = append(list, dossier.Address{Addr: normalizeAddr(spec)})
	}
	return list
}

// splitAddressList splits raw at commas outside quoted strings, comments
// and angle brackets. Empty members are dropped.
func splitAddressList(raw string) []string {
	var members []string
	var quoted, escaped bool
	depth, angle, start := 0, 0, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case c == ',' && depth == 0 && angle == 0:
			members = append(members, raw[start:i])
			start = i + 1
		}
	}
	members = append(members, raw[start:])
	out := members[:0]
	for _, m := range members {
		if strings.TrimSpace(m) != "" {
			out = append(out, m)
		}
	}
	return out
}

// unquote removes the double quotes around a display name and its
// backslash escapes.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	return s
}

// decodeDisplayName decodes the encoded-words that net/mail leaves in a
// name (it does not decode inside quoted strings) and returns one clean
// line of valid UTF-8.
func decodeDisplayName(name string) string {
	name, _ = decodeWords(repairString(name))
	return cleanText(name)
}

// normalizeAddr lower-cases the domain of addr and keeps its local part.
func normalizeAddr(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	return addr[:at] + "@" + strings.ToLower(addr[at+1:])
}
