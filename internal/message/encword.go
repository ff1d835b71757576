package message

import (
	"encoding/base64"
	"strings"
)

// encodedWord is one RFC 2047 "=?charset?encoding?text?=" token,
// already transfer-decoded to bytes in its charset.
type encodedWord struct {
	charset string
	data    []byte
}

// wordDecodeResult reports what decodeWords met beyond plain decoding.
type wordDecodeResult struct {
	unknownCharset string // a charset label that could not be decoded
}

// decodeWords decodes every RFC 2047 encoded-word in s, wherever it sits:
// inside quoted strings, glued to plain text, or split in the middle of a
// multi-byte character across two words. Whitespace between two adjacent
// encoded-words is dropped, as RFC 2047 requires. Words with an unknown
// charset are decoded as UTF-8 when their bytes are valid UTF-8, else by
// the windows-1252 guess. The result is valid UTF-8 when s is.
func decodeWords(s string) (string, wordDecodeResult) {
	var res wordDecodeResult
	if !strings.Contains(s, "=?") {
		return s, res
	}
	var out strings.Builder
	var run []encodedWord // adjacent words not yet converted

	flush := func() {
		out.WriteString(convertWords(run, &res))
		run = run[:0]
	}

	for len(s) > 0 {
		start := strings.Index(s, "=?")
		if start < 0 {
			break
		}
		word, size, ok := parseEncodedWord(s[start:])
		if !ok {
			// Not a word: keep "=?" as text and look further.
			flush()
			out.WriteString(s[:start+2])
			s = s[start+2:]
			continue
		}
		between := s[:start]
		if len(run) > 0 && strings.TrimSpace(between) == "" {
			// Adjacent words: the whitespace between them is dropped.
		} else {
			flush()
			out.WriteString(between)
		}
		run = append(run, word)
		s = s[start+size:]
	}
	flush()
	out.WriteString(s)
	return out.String(), res
}

// parseEncodedWord parses the encoded-word at the start of s and returns
// it with its length in bytes. It accepts the common faults: lower-case
// B and Q, missing base64 padding, spaces inside Q text.
func parseEncodedWord(s string) (encodedWord, int, bool) {
	const maxWord = 2048
	if !strings.HasPrefix(s, "=?") {
		return encodedWord{}, 0, false
	}
	body := s[2:]
	if len(body) > maxWord {
		body = body[:maxWord]
	}
	q1 := strings.IndexByte(body, '?')
	if q1 <= 0 || q1+3 > len(body) || body[q1+2] != '?' {
		return encodedWord{}, 0, false
	}
	charset := body[:q1]
	if strings.ContainsAny(charset, " \t\r\n=") {
		return encodedWord{}, 0, false
	}
	enc := body[q1+1]
	text := body[q1+3:]
	end := strings.Index(text, "?=")
	if end < 0 || strings.Contains(text[:end], "=?") {
		return encodedWord{}, 0, false
	}
	text = text[:end]
	size := 2 + q1 + 3 + end + 2

	var data []byte
	switch enc {
	case 'B', 'b':
		data = decodeLenientBase64(text)
		if data == nil {
			return encodedWord{}, 0, false
		}
	case 'Q', 'q':
		data = decodeQWord(text)
	default:
		return encodedWord{}, 0, false
	}
	return encodedWord{charset: charset, data: data}, size, true
}

// convertWords decodes the bytes of adjacent words to UTF-8. Words with
// the same charset are joined first, so a character split across two
// words comes out whole.
func convertWords(words []encodedWord, res *wordDecodeResult) string {
	var out strings.Builder
	for i := 0; i < len(words); {
		j := i
		var joined []byte
		for j < len(words) && strings.EqualFold(words[j].charset, words[i].charset) {
			joined = append(joined, words[j].data...)
			j++
		}
		text, known := decodeCharset(words[i].charset, joined)
		if !known {
			res.unknownCharset = words[i].charset
		}
		out.WriteString(text)
		i = j
	}
	return out.String()
}

// decodeLenientBase64 decodes base64 text, ignoring characters outside
// the alphabet, padding and a dangling last character. It returns nil
// only when nothing at all could be decoded from non-empty text.
func decodeLenientBase64(text string) []byte {
	clean := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 == 1 {
		clean = clean[:len(clean)-1]
	}
	out, err := base64.RawStdEncoding.DecodeString(string(clean))
	if err != nil && len(text) > 0 {
		return nil
	}
	if out == nil {
		out = []byte{}
	}
	return out
}

// decodeQWord decodes the Q encoding: "_" is a space and "=XX" a byte.
// An "=" not followed by two hex digits is kept as is.
func decodeQWord(text string) []byte {
	out := make([]byte, 0, len(text))
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
			out = append(out, unhex(text[i+1])<<4|unhex(text[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
