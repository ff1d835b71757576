package config

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

// tokenLength is the length of a reply token: 80 random bits written in
// base32 take 16 characters and need no padding.
const tokenLength = 16

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a new reply token: 80 bits from crypto/rand written as
// 16 lower-case base32 characters (a-z, 2-7), so that it is valid in a
// local part and survives case folding.
func NewToken() string {
	var b [tokenLength * 5 / 8]byte
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b[:])
	return tokenEncoding.EncodeToString(b[:])
}

// ValidToken reports whether s has the form NewToken returns. Upper case
// is not valid: callers lower-case a local part before they test it.
func ValidToken(s string) bool {
	if len(s) != tokenLength {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz234567") == ""
}
