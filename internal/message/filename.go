package message

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFileNameBytes bounds a sanitized file name, in bytes of UTF-8; it
// stays under the 255-byte limit of common file systems.
const maxFileNameBytes = 200

// maxExtensionBytes is the longest suffix kept as an extension when a
// long name is shortened.
const maxExtensionBytes = 16

// rawFileName returns the file name declared in a part header, decoded:
// the Content-Disposition filename first, then the Content-Type name.
// It reads the raw parameters itself because mailers put RFC 2047 words
// inside quoted values (an Outlook habit that makes enmime v2.5.0 return
// a name that starts with a quote and swallows the next parameters),
// raw UTF-8 or legacy 8-bit bytes, and RFC 2231 continuations.
func rawFileName(disposition, contentType string) string {
	if name := paramValue(disposition, "filename"); name != "" {
		return name
	}
	return paramValue(contentType, "name")
}

// paramValue returns the decoded value of one parameter of a
// Content-Type or Content-Disposition field value.
func paramValue(field, key string) string {
	params := splitParams(field)
	if v, ok := params[key+"*"]; ok {
		return decodeExtValue(v)
	}
	if sections := collectSections(params, key); len(sections) > 0 {
		return decodeSections(sections)
	}
	if v, ok := params[key]; ok {
		return decodePlainValue(v)
	}
	return ""
}

// splitParams returns the parameters after the first ";" of field,
// with lower-cased names and values unquoted but not decoded. The first
// occurrence of a name wins.
func splitParams(field string) map[string]string {
	params := make(map[string]string)
	semi := strings.IndexByte(field, ';')
	if semi < 0 {
		return params
	}
	s := field[semi+1:]
	for s != "" {
		s = strings.TrimLeft(s, " \t\r\n;")
		eq := strings.IndexAny(s, "=;")
		if eq < 0 {
			break
		}
		if s[eq] == ';' {
			s = s[eq:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t\r\n")
		var value string
		if strings.HasPrefix(s, `"`) {
			value, s = readQuoted(s[1:])
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			value, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if _, dup := params[name]; !dup && name != "" {
			params[name] = value
		}
	}
	return params
}

// readQuoted reads a quoted string whose opening quote is already
// consumed, and returns its content and the text after the closing quote.
// A missing closing quote ends the value at the end of s.
func readQuoted(s string) (value, rest string) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}

// paramSection is one piece of an RFC 2231 continued parameter.
type paramSection struct {
	index    int
	value    string
	extended bool // the piece is percent-encoded ("name*1*=")
}

// collectSections returns the "key*N" and "key*N*" pieces in order.
func collectSections(params map[string]string, key string) []paramSection {
	var sections []paramSection
	for name, value := range params {
		rest, ok := strings.CutPrefix(name, key+"*")
		if !ok || rest == "" {
			continue
		}
		extended := strings.HasSuffix(rest, "*")
		n, err := strconv.Atoi(strings.TrimSuffix(rest, "*"))
		if err != nil || n < 0 || n > 999 {
			continue
		}
		sections = append(sections, paramSection{index: n, value: value, extended: extended})
	}
	sort.Slice(sections, func(i, j int) bool { return sections[i].index < sections[j].index })
	return sections
}

// decodeSections joins RFC 2231 continuation pieces. The charset comes
// from the first piece when it is extended.
func decodeSections(sections []paramSection) string {
	charset := ""
	var data []byte
	for i, s := range sections {
		v := s.value
		if !s.extended {
			data = append(data, v...)
			continue
		}
		if i == 0 {
			if parts := strings.SplitN(v, "'", 3); len(parts) == 3 {
				charset, v = parts[0], parts[2]
			}
		}
		data = append(data, percentDecode(v)...)
	}
	if charset == "" {
		return decodePlainValue(string(data))
	}
	text, _ := decodeCharset(charset, data)
	return text
}

// decodeExtValue decodes an RFC 2231 value "charset'language'%XX...".
func decodeExtValue(v string) string {
	parts := strings.SplitN(v, "'", 3)
	if len(parts) != 3 {
		return decodePlainValue(string(percentDecode(v)))
	}
	text, _ := decodeCharset(parts[0], percentDecode(parts[2]))
	return text
}

// percentDecode decodes %XX escapes and keeps a "%" that starts none.
func percentDecode(v string) []byte {
	if s, err := url.PathUnescape(v); err == nil {
		return []byte(s)
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]) {
			out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
			i += 2
			continue
		}
		out = append(out, v[i])
	}
	return out
}

// decodePlainValue repairs raw 8-bit bytes to UTF-8 and then decodes
// RFC 2047 words found anywhere in the value.
func decodePlainValue(v string) string {
	v, _ = decodeWords(repairString(v))
	return v
}

// sanitizeFileName makes name safe to store and to offer for download:
// no path separators, no control or bidirectional formatting characters,
// no leading dots, at most maxFileNameBytes bytes. An empty result
// becomes "piece-jointe-N" with an extension taken from contentType.
func sanitizeFileName(name string, index int, contentType string) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\':
			return '_'
		case r == '\t' || r == '\r' || r == '\n':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	name = shortenFileName(name)
	if name == "" {
		return fmt.Sprintf("piece-jointe-%d%s", index, extensionFor(contentType))
	}
	return name
}

// shortenFileName cuts name to maxFileNameBytes, keeping a short
// extension and whole UTF-8 characters.
func shortenFileName(name string) string {
	if len(name) <= maxFileNameBytes {
		return name
	}
	ext := ""
	if dot := strings.LastIndexByte(name, '.'); dot > 0 && len(name)-dot <= maxExtensionBytes {
		ext = name[dot:]
		name = name[:dot]
	}
	limit := maxFileNameBytes - len(ext)
	for limit > 0 && !utf8.RuneStart(name[limit]) {
		limit--
	}
	return strings.TrimSpace(name[:limit]) + ext
}

// extensions maps media types to the extension of fallback file names.
var extensions = map[string]string{
	"application/gzip":                        ".gz",
	"application/ics":                         ".ics",
	"application/json":                        ".json",
	"application/msword":                      ".doc",
	"application/ms-tnef":                     ".dat",
	"application/octet-stream":                ".bin",
	"application/pdf":                         ".pdf",
	"application/pgp-signature":               ".asc",
	"application/pkcs7-mime":                  ".p7m",
	"application/pkcs7-signature":             ".p7s",
	"application/rtf":                         ".rtf",
	"application/vnd.ms-excel":                ".xls",
	"application/vnd.ms-powerpoint":           ".ppt",
	"application/vnd.ms-tnef":                 ".dat",
	"application/x-pkcs7-mime":                ".p7m",
	"application/x-pkcs7-signature":           ".p7s",
	"application/xml":                         ".xml",
	"application/zip":                         ".zip",
	"audio/mpeg":                              ".mp3",
	"image/bmp":                               ".bmp",
	"image/gif":                               ".gif",
	"image/heic":                              ".heic",
	"image/jpeg":                              ".jpg",
	"image/png":                               ".png",
	"image/svg+xml":                           ".svg",
	"image/tiff":                              ".tif",
	"image/webp":                              ".webp",
	"message/delivery-status":                 ".txt",
	"message/disposition-notification":        ".txt",
	"message/rfc822":                          ".eml",
	"text/calendar":                           ".ics",
	"text/csv":                                ".csv",
	"text/html":                               ".html",
	"text/plain":                              ".txt",
	"text/rfc822-headers":                     ".txt",
	"text/xml":                                ".xml",
	"video/mp4":                               ".mp4",
	"application/vnd.oasis.opendocument.text": ".odt",
	"application/vnd.oasis.opendocument.spreadsheet":                            ".ods",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}

// extensionFor returns the extension for a media type, or "" when the
// type is not in the table.
func extensionFor(contentType string) string {
	return extensions[strings.ToLower(contentType)]
}
