package imap

import (
	"bytes"
	"net/mail"
	"strings"
)

// maxHeaderScan bounds how much of a message envelopeSender reads.
const maxHeaderScan = 256 << 10

// envelopeSender returns what stands for the SMTP envelope sender of a
// message read over IMAP: the Return-Path header that the delivering
// server added ("" for the null sender <>), else the From address, else
// the raw From value. A message with neither header gives "", which the
// pipeline treats as the null sender.
func envelopeSender(raw []byte) string {
	returnPath, from, hasReturnPath := scanSenderFields(raw)
	if hasReturnPath {
		return strings.TrimSpace(strings.Trim(strings.TrimSpace(returnPath), "<>"))
	}
	from = strings.TrimSpace(from)
	if a, err := mail.ParseAddress(from); err == nil {
		return a.Address
	}
	if list, err := mail.ParseAddressList(from); err == nil && len(list) > 0 {
		return list[0].Address
	}
	return from
}

// scanSenderFields returns the first Return-Path and From fields of the
// header, unfolded. It reads up to the first empty line and accepts
// lines ending in LF or CRLF.
func scanSenderFields(raw []byte) (returnPath, from string, hasReturnPath bool) {
	if len(raw) > maxHeaderScan {
		raw = raw[:maxHeaderScan]
	}
	var name string
	var value strings.Builder
	hasFrom := false
	flush := func() {
		switch {
		case strings.EqualFold(name, "Return-Path") && !hasReturnPath:
			returnPath, hasReturnPath = value.String(), true
		case strings.EqualFold(name, "From") && !hasFrom:
			from, hasFrom = value.String(), true
		}
		name = ""
		value.Reset()
	}
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if name != "" {
				value.Write(line)
			}
			continue
		}
		flush()
		if k, v, ok := bytes.Cut(line, []byte(":")); ok {
			name = strings.TrimSpace(string(k))
			value.Write(v)
		}
	}
	flush()
	return returnPath, from, hasReturnPath
}
