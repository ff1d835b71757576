package message

import (
	"strings"
)

// IsNullSender reports whether an SMTP envelope sender (MAIL FROM) is
// the null reverse-path that RFC 5321 reserves for
// delivery reports and other automatic mail. It accepts the address with
// or without angle brackets and surrounding spaces.
func IsNullSender(envelopeFrom string) bool {
	v := strings.TrimSpace(envelopeFrom)
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">"))
	return v == ""
}
