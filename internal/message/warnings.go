package message

import (
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// maxDetailBytes bounds the enmime detail quoted in a warning.
const maxDetailBytes = 160

// collectPartErrors turns the errors enmime recorded on each part into
// warnings.
func (s *parseState) collectPartErrors(root *enmime.Part) {
	_ = root.DepthMatchAll(func(p *enmime.Part) bool {
		for _, e := range p.Errors {
			if w := describePartError(p.PartID, e); w != "" {
				s.warn("%s", w)
			}
		}
		return false
	})
}

// describePartError returns an English sentence for one enmime error,
// or "" for the notices that say nothing about lost content.
func describePartError(partID string, e *enmime.Error) string {
	where := partLabel(partID)
	detail := shortDetail(e.Detail)
	switch e.Name {
	case enmime.ErrorPlainTextFromHTML, enmime.ErrorMissingContentType:
		return ""
	case enmime.ErrorMalformedBase64:
		return where + " has invalid base64 content, decoded on a best-effort basis (" + detail + ")."
	case enmime.ErrorMalformedHeader:
		return where + " has a malformed header (" + detail + ")."
	case enmime.ErrorMissingBoundary:
		return where + " lacks its closing MIME boundary."
	case enmime.ErrorCharsetConversion:
		return where + " has a charset that could not be decoded (" + detail + ")."
	case enmime.ErrorContentEncoding:
		return where + " has an unknown transfer encoding (" + detail + ")."
	case enmime.ErrorCharsetDeclaration:
		return where + " declares a charset that does not match its content (" + detail + ")."
	case enmime.ErrorMalformedChildPart:
		return where + " contains a part that could not be read (" + detail + ")."
	case enmime.ErrorDataHasBoundary:
		return where + " has a boundary parameter on a part that is not multipart."
	}
	return where + ": " + shortDetail(e.Name) + " (" + detail + ")."
}

// partLabel names a part in a warning: "The message" for the root part,
// "MIME part 1.2" for the others.
func partLabel(partID string) string {
	if partID == "" || partID == "0" {
		return "The message"
	}
	return "MIME part " + partID
}

// shortDetail returns d as valid UTF-8 on one line, cut to
// maxDetailBytes.
func shortDetail(d string) string {
	d = cleanText(repairString(d))
	if len(d) > maxDetailBytes {
		cut := maxDetailBytes
		for cut > 0 && !isRuneStart(d[cut]) {
			cut--
		}
		d = d[:cut] + "..."
	}
	return strings.TrimSuffix(d, ".")
}

func isRuneStart(b byte) bool {
	return b&0xC0 != 0x80
}
