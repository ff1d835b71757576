package message

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gomessage "github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"

	"github.com/sved-project/sved/internal/dossier"
)

// Outgoing is a mail that sved writes: an acknowledgement, a forward to a
// service, a notice. Compose turns it into RFC 5322 bytes.
type Outgoing struct {
	From    dossier.Address
	To      []dossier.Address
	ReplyTo *dossier.Address

	Subject string
	// Text is the plain text body. When HTML is set too, both go out as
	// the two sides of a multipart/alternative.
	Text string
	HTML string

	// Attachments are written as parts of a multipart/mixed, each in
	// base64 with its file name as an RFC 2231 parameter.
	Attachments []Part

	// MessageID is the identifier without angle brackets. Compose
	// generates one with NewMessageID("") when it is empty, so callers
	// that need to know it set it first.
	MessageID  string
	InReplyTo  string
	References []string
	// Date is written in its own time zone; the zero value means now.
	Date time.Time

	// Headers are extra header fields, such as Auto-Submitted. They are
	// written in the order of their names and must not repeat a field
	// that Compose writes itself.
	Headers map[string]string
}

// fallbackHostname is the Message-ID domain when no hostname is given.
// The .invalid top-level domain (RFC 2606) can never clash with a real
// host.
const fallbackHostname = "sved.invalid"

// messageIDEncoding is lower-case base32 without padding, so that a
// Message-ID holds only letters and digits before the "@".
var messageIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").
	WithPadding(base32.NoPadding)

// NewMessageID returns a new Message-ID without angle brackets: 128
// random bits in base32, "@", and hostname (or "sved.invalid" when
// hostname is empty).
func NewMessageID(hostname string) string {
	if hostname == "" {
		hostname = fallbackHostname
	}
	var b [16]byte
	// crypto/rand.Read never returns an error since Go 1.24.
	_, _ = rand.Read(b[:])
	return messageIDEncoding.EncodeToString(b[:]) + "@" + hostname
}

// reservedFields are the header fields that Compose writes itself and
// that Outgoing.Headers may not set.
var reservedFields = map[string]bool{
	"Content-Type": true, "Content-Transfer-Encoding": true, "Mime-Version": true,
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true,
	"Subject": true, "Date": true, "Message-Id": true,
	"In-Reply-To": true, "References": true,
}

// Compose writes o as an RFC 5322 message: CRLF line endings, UTF-8,
// text parts in quoted-printable and attachments in base64, so that no
// line exceeds 998 octets whatever the input. Subject, display names and
// extra header values are encoded as RFC 2047 words when they are not
// ASCII. Compose sets o.MessageID when it was empty.
func Compose(o *Outgoing) ([]byte, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.MessageID == "" {
		o.MessageID = NewMessageID("")
	}

	h := o.header()

	var buf bytes.Buffer
	var err error
	switch {
	case len(o.Attachments) > 0:
		err = o.writeMixed(&buf, h)
	case o.HTML != "":
		err = o.writeAlternative(&buf, h)
	default:
		err = o.writeSingle(&buf, h)
	}
	if err != nil {
		return nil, fmt.Errorf("compose message %s: %w", o.MessageID, err)
	}
	return buf.Bytes(), nil
}

// validate checks the fields without which no mail can be written.
func (o *Outgoing) validate() error {
	if o.From.Addr == "" {
		return errors.New("compose message: missing From address")
	}
	if len(o.To) == 0 {
		return errors.New("compose message: no To address")
	}
	for i, a := range o.To {
		if a.Addr == "" {
			return fmt.Errorf("compose message: To address %d is empty", i)
		}
	}
	if o.ReplyTo != nil && o.ReplyTo.Addr == "" {
		return errors.New("compose message: Reply-To address is empty")
	}
	for k := range o.Headers {
		if reservedFields[canonicalField(k)] {
			return fmt.Errorf("compose message: extra header %q is set by Compose itself", k)
		}
		if !validFieldName(k) {
			return fmt.Errorf("compose message: invalid header field name %q", k)
		}
	}
	return nil
}

// header builds the top-level header fields, without Content-Type.
func (o *Outgoing) header() gomail.Header {
	date := o.Date
	if date.IsZero() {
		date = time.Now()
	}

	fields := [][2]string{
		{"Date", date.Format(dateLayout)},
		{"From", formatAddresses([]dossier.Address{o.From})},
		{"To", formatAddresses(o.To)},
	}
	if o.ReplyTo != nil {
		fields = append(fields, [2]string{"Reply-To", formatAddresses([]dossier.Address{*o.ReplyTo})})
	}
	fields = append(fields, [2]string{"Message-ID", formatMsgIDs([]string{o.MessageID})})
	if v := formatMsgIDs([]string{o.InReplyTo}); v != "" {
		fields = append(fields, [2]string{"In-Reply-To", v})
	}
	if v := formatMsgIDs(o.References); v != "" {
		fields = append(fields, [2]string{"References", v})
	}
	fields = append(fields, [2]string{"Subject", encodeText(o.Subject)})

	names := make([]string, 0, len(o.Headers))
	for k := range o.Headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fields = append(fields, [2]string{k, encodeText(o.Headers[k])})
	}

	// go-message writes the field added last first, so add in reverse.
	var h gomail.Header
	for i := len(fields) - 1; i >= 0; i-- {
		h.AddRaw(foldField(fields[i][0], fields[i][1]))
	}
	return h
}

// dateLayout is the RFC 5322 date-time format.
const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

// formatAddresses formats an address list, with display names encoded
// as RFC 2047 words when they are not ASCII.
func formatAddresses(l []dossier.Address) string {
	parts := make([]string, len(l))
	for i, a := range l {
		parts[i] = mailAddress(a).String()
	}
	return strings.Join(parts, ", ")
}

// formatMsgIDs formats a list of Message-IDs in angle brackets, skipping
// those left empty once spaces, brackets and control characters are
// removed.
func formatMsgIDs(ids []string) string {
	var parts []string
	for _, id := range ids {
		id = strings.Map(func(r rune) rune {
			if r <= ' ' || r == '<' || r == '>' || r == 0x7f {
				return -1
			}
			return r
		}, strings.ToValidUTF8(id, ""))
		if id != "" {
			parts = append(parts, "<"+id+">")
		}
	}
	return strings.Join(parts, " ")
}

// encodeText encodes an unstructured header value as RFC 2047 words when
// it is not plain ASCII.
func encodeText(s string) string {
	return mime.QEncoding.Encode("utf-8", headerText(s))
}

// maxLineLen is the line length that folding aims at (RFC 5322 section
// 2.1.1 recommends 78 octets at most).
const maxLineLen = 76

// foldField formats one header field with its CRLF, folding at the
// spaces of value so that lines stay within maxLineLen where the words
// allow. RFC 2047 words are at most 75 octets, so a line holding the
// field name and one encoded word may reach 75 plus the name. A plain ASCII word longer than maxWordLen is cut, which adds a
// space to the value once unfolded.
func foldField(key, value string) []byte {
	var b strings.Builder
	b.WriteString(key)
	b.WriteString(":")
	lineLen := b.Len()
	for i, word := range splitWords(value) {
		// The first word stays on the field name's line: a field body
		// that starts with a fold confuses some parsers.
		if i > 0 && lineLen+1+len(word) > maxLineLen {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteString(" ")
		b.WriteString(word)
		lineLen += 1 + len(word)
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// maxWordLen keeps a folded line, its leading space included, within
// the 998 octets of RFC 5322.
const maxWordLen = 990

// splitWords splits value at spaces and cuts words longer than
// maxWordLen.
func splitWords(value string) []string {
	var words []string
	for _, w := range strings.Split(value, " ") {
		for len(w) > maxWordLen {
			words = append(words, w[:maxWordLen])
			w = w[maxWordLen:]
		}
		words = append(words, w)
	}
	return words
}

// writeSingle writes a message whose whole body is the text part.
func (o *Outgoing) writeSingle(w io.Writer, h gomail.Header) error {
	h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
	text := strings.ToValidUTF8(o.Text, "\uFFFD")
	h.Set("Content-Transfer-Encoding", textEncoding(text))
	body, err := gomail.CreateSingleInlineWriter(w, h)
	if err != nil {
		return err
	}
	return writeAndClose(body, text)
}

// writeAlternative writes a message whose body is the text and HTML
// versions of the same content.
func (o *Outgoing) writeAlternative(w io.Writer, h gomail.Header) error {
	iw, err := gomail.CreateInlineWriter(w, h)
	if err != nil {
		return err
	}
	if err := writeTextParts(iw, o.Text, o.HTML); err != nil {
		return err
	}
	return iw.Close()
}

// writeMixed writes the text (or text and HTML) part followed by the
// attachments.
func (o *Outgoing) writeMixed(w io.Writer, h gomail.Header) error {
	mw, err := gomail.CreateWriter(w, h)
	if err != nil {
		return err
	}

	if o.HTML != "" {
		iw, err := mw.CreateInline()
		if err != nil {
			return err
		}
		if err := writeTextParts(iw, o.Text, o.HTML); err != nil {
			return err
		}
		if err := iw.Close(); err != nil {
			return err
		}
	} else {
		var th gomail.InlineHeader
		th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		body, err := mw.CreateSingleInline(th)
		if err != nil {
			return err
		}
		if err := writeAndClose(body, o.Text); err != nil {
			return err
		}
	}

	for i, p := range o.Attachments {
		if err := writeAttachment(mw, p); err != nil {
			return fmt.Errorf("attachment %d (%q): %w", i, p.FileName, err)
		}
	}
	return mw.Close()
}

// writeTextParts writes the plain text and the HTML parts of a
// multipart/alternative, plain text first as RFC 2046 requires.
func writeTextParts(iw *gomail.InlineWriter, text, html string) error {
	for _, p := range []struct{ mediaType, body string }{
		{"text/plain", text},
		{"text/html", html},
	} {
		var ph gomail.InlineHeader
		ph.SetContentType(p.mediaType, map[string]string{"charset": "utf-8"})
		text := strings.ToValidUTF8(p.body, "\uFFFD")
		ph.Set("Content-Transfer-Encoding", textEncoding(text))
		body, err := iw.CreatePart(ph)
		if err != nil {
			return err
		}
		if err := writeAndClose(body, text); err != nil {
			return err
		}
	}
	return nil
}

// writeAttachment writes one attachment part in base64.
func writeAttachment(mw *gomail.Writer, p Part) error {
	var ah gomail.AttachmentHeader

	mediaType, params := attachmentType(p.ContentType)
	name := headerText(p.FileName)
	if name != "" && len(name) <= maxNameParam {
		params["name"] = mime.QEncoding.Encode("utf-8", name)
	}
	// Header.Set stores the value as is, whereas SetContentType would
	// encode the parameters once more.
	contentType := mime.FormatMediaType(mediaType, params)
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	ah.Set("Content-Type", contentType)
	ah.Set("Content-Disposition", formatDisposition("attachment", name))
	ah.Set("Content-Transfer-Encoding", "base64")
	if id := strings.Trim(headerText(p.ContentID), "<> "); id != "" {
		ah.Set("Content-Id", "<"+id+">")
	}

	body, err := mw.CreateAttachment(ah)
	if err != nil {
		return err
	}
	if _, err := body.Write(p.Content); err != nil {
		return err
	}
	return body.Close()
}

// maxNameParam is the longest file name copied into the Content-Type
// name parameter. Longer names appear only in Content-Disposition,
// whose RFC 2231 continuations keep every header line short.
const maxNameParam = 200

// attachmentType returns the media type and parameters to write for a
// part's Content-Type. Types that cannot travel in base64 (message/* per
// RFC 2046, multipart/*), text in a charset other than UTF-8 or US-ASCII,
// and unparsable values become application/octet-stream.
func attachmentType(contentType string) (string, map[string]string) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType == "" {
		return "application/octet-stream", map[string]string{}
	}
	if strings.HasPrefix(mediaType, "message/") || strings.HasPrefix(mediaType, "multipart/") {
		return "application/octet-stream", map[string]string{}
	}
	kept := map[string]string{}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "":
	case "utf-8", "us-ascii":
		kept["charset"] = cs
	default:
		// go-message writes parts in UTF-8 or US-ASCII only. The bytes
		// still go out unchanged, as a file to open by its name.
		return "application/octet-stream", map[string]string{}
	}
	return mediaType, kept
}

// writeAndClose writes s as valid UTF-8 to body and closes it.
// writeAndClose writes s, which must be valid UTF-8, and closes body.
func writeAndClose(body io.WriteCloser, s string) error {
	if _, err := io.WriteString(body, s); err != nil {
		body.Close()
		return err
	}
	return body.Close()
}

// mailAddress converts a dossier address, removing control characters
// from the display name.
func mailAddress(a dossier.Address) *gomail.Address {
	return &mail.Address{Name: headerText(a.Name), Address: a.Addr}
}

func mailAddresses(l []dossier.Address) []*gomail.Address {
	out := make([]*gomail.Address, len(l))
	for i, a := range l {
		out[i] = mailAddress(a)
	}
	return out
}

// headerText makes s safe for an unstructured header value: valid UTF-8,
// with every control character (CR and LF included) replaced by a space
// and the ends trimmed.
func headerText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// canonicalField returns the canonical form of a header field name, as
// go-message stores it.
func canonicalField(k string) string {
	var h gomessage.Header
	h.Set(k, "")
	f := h.Fields()
	if f.Next() {
		return f.Key()
	}
	return k
}

// validFieldName reports whether k is a non-empty RFC 5322 field name:
// printable ASCII except the colon.
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// formatDisposition returns a Content-Disposition value carrying the file
// name (RFC 2183, RFC 2231). A short name of plain ASCII is written as a
// quoted string. Any other name is percent-encoded UTF-8 split into
// numbered continuations, so the header folds at the spaces between them
// and no line grows past the limit.
func formatDisposition(disp, name string) string {
	if name == "" {
		return disp
	}
	if len(name) <= continuationLen && isPlainASCII(name) {
		if v := mime.FormatMediaType(disp, map[string]string{"filename": name}); v != "" {
			return v
		}
	}

	var b strings.Builder
	b.WriteString(disp)
	for i, piece := range continuations(name) {
		b.WriteString("; filename*")
		b.WriteString(strconv.Itoa(i))
		b.WriteString("*=")
		if i == 0 {
			b.WriteString("utf-8''")
		}
		b.WriteString(piece)
	}
	return b.String()
}

// continuations percent-encodes name and cuts it into pieces of at most
// continuationLen octets, never inside a character.
func continuations(name string) []string {
	var pieces []string
	var cur strings.Builder
	for _, r := range name {
		enc := percentEncode(string(r))
		if cur.Len() > 0 && cur.Len()+len(enc) > continuationLen {
			pieces = append(pieces, cur.String())
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	if cur.Len() > 0 {
		pieces = append(pieces, cur.String())
	}
	return pieces
}

// continuationLen is the length of one RFC 2231 continuation value.
const continuationLen = 40

// isPlainASCII reports whether s holds only printable ASCII.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return utf8.ValidString(s)
}

// percentEncode encodes every octet of s that is not an RFC 2231
// attribute-char.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}

// isAttrChar reports whether c may appear unencoded in an RFC 2231
// extended value: a token character other than "*", "'" and "%".
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}

// textEncoding returns the lightest transfer encoding that keeps the
// text part s within RFC 5322: "7bit" for ASCII and "8bit" for other
// UTF-8 when every line has at most 998 octets and there is no NUL or
// lone CR, else "quoted-printable". Encoding costs CPU on every letter
// and is rarely needed, so most letters go unencoded; relays advertise
// 8BITMIME for the 8bit ones (RFC 6152). go-message writes the 7bit and
// 8bit parts with CRLF line ends. It makes one pass and no copy of s.
func textEncoding(s string) string {
	ascii := true
	lineLen := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			lineLen = 0
			continue
		case c == 0:
			return "quoted-printable"
		case c == '\r':
			if i+1 == len(s) || s[i+1] != '\n' {
				return "quoted-printable"
			}
			continue
		case c >= 0x80:
			ascii = false
		}
		lineLen++
		if lineLen > maxBodyLine {
			return "quoted-printable"
		}
	}
	if ascii {
		return "7bit"
	}
	return "8bit"
}

// maxBodyLine is the longest line RFC 5322 section 2.1.1 allows, in
// octets, without its CRLF.
const maxBodyLine = 998

// Is8Bit reports whether the raw message has a part sent as 8bit. Such a
// message is announced to the relay with BODY=8BITMIME (RFC 6152).
func Is8Bit(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] >= 0x80 {
			return true
		}
	}
	return false
}
