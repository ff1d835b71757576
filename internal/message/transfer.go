package message

import (
	"strings"
)

// transferEncoding returns the Content-Transfer-Encoding of a part in
// canonical form ("7bit", "8bit", "binary", "quoted-printable", "base64")
// and reports whether the declared value had to be guessed: mailers
// write "quoted printable", "Quoted_Printable" or "base-64".
func transferEncoding(declared string) (cte string, guessed bool) {
	v := strings.ToLower(strings.TrimSpace(declared))
	if i := strings.IndexAny(v, ";("); i >= 0 {
		v = strings.TrimSpace(v[:i])
	}
	switch v {
	case "", "7bit", "8bit", "binary", "quoted-printable", "base64":
		return v, false
	}
	squeezed := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' || r == '\t' || r == '"' {
			return -1
		}
		return r
	}, v)
	switch squeezed {
	case "quotedprintable", "qp":
		return "quoted-printable", true
	case "base64", "b64":
		return "base64", true
	case "7bit", "8bit", "binary":
		return squeezed, true
	}
	return "", true
}

// decodeTransfer decodes content according to cte; other values leave
// content as it is.
func decodeTransfer(cte string, content []byte) []byte {
	switch cte {
	case "quoted-printable":
		return decodeLenientQP(content)
	case "base64":
		return decodeLenientBase64(string(content))
	}
	return content
}

// decodeLenientQP decodes quoted-printable text the way readers of real
// mail need: "=" followed by two hex digits is a byte, "=" at the end of
// a line (after optional blanks) is a soft line break, and any other "="
// is kept literally, so unescaped URLs such as "?ie=UTF8" survive.
func decodeLenientQP(in []byte) []byte {
	out := make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		c := in[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(in) && isHex(in[i+1]) && isHex(in[i+2]) {
			out = append(out, unhex(in[i+1])<<4|unhex(in[i+2]))
			i += 2
			continue
		}
		j := i + 1
		for j < len(in) && (in[j] == ' ' || in[j] == '\t') {
			j++
		}
		switch {
		case j == len(in):
			i = j - 1
		case in[j] == '\n':
			i = j
		case in[j] == '\r' && j+1 < len(in) && in[j+1] == '\n':
			i = j + 1
		default:
			out = append(out, '=')
		}
	}
	return out
}
