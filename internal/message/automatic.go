package message

import (
	"regexp"
	"strings"

	"github.com/jhillyerd/enmime/v2"
)

// gtube is the Generic Test for Unsolicited Bulk Email, a string that
// spam filters must always flag.
const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

// autoReplySubject matches the subject prefixes of vacation and
// out-of-office replies in the languages French authorities receive.
var autoReplySubject = regexp.MustCompile(`(?i)^\s*(` +
	`r[ée]ponse automatique|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|` +
	`out of (the )?office|absence( du bureau)?|message d'absence|r[ée]ponse d'absence|` +
	`abwesenheitsnotiz|respuesta autom[áa]tica|` +
	`risposta automatica|automatisch antwoord)\s*(:|-|\(|\[|$)`)

// spamTag matches the subject tags that spam filters add, such as
// SpamAssassin's "*****SPAM*****" and "***SPAM***".
var spamTag = regexp.MustCompile(`(?i)^\s*(\*{3,}\s*spam\s*\*{3,}|\[spam\])`)

// dsnSubject matches the subjects of delivery failure reports.
var dsnSubject = regexp.MustCompile(`(?i)(delivery status notification|undeliver|` +
	`mail delivery (failed|failure|subsystem)|returned mail|failure notice|` +
	`non remis|non distribu|delivery failure|échec de (la )?remise)`)

// dmarcReportName matches the file name of a DMARC aggregate report:
// receiver!policy-domain!begin!end, then .xml, .zip or .gz.
var dmarcReportName = regexp.MustCompile(
	`(?i)^[^!]+![^!]+![0-9]+![0-9]+(![^.]*)?\.(xml|zip|gz|xml\.gz)$`)

// detectAutomatic returns the verdict for m, checking in this order:
// delivery report (bounce), read receipt, auto-reply, list, bulk, spam.
// root may be nil when enmime could not read the message.
//
// A subject such as "Automatic reply:" or "Absence" alone never decides,
// because people write such subjects: it needs a header that a mail
// server sets, namely Return-Path <>, X-MS-Exchange-Inbox-Rules-Loop
// (Exchange inbox rules), or a Thread-Topic equal to the subject
// without the prefix (the shape of Exchange replies).
// X-Auto-Response-Suppress alone does not count either: Exchange adds it
// to mail that people write too. Envelope checks (null sender, own
// addresses) belong to the caller.
func detectAutomatic(m *Message, root *enmime.Part) Verdict {
	// Spam comes first: spam that also looks like list or bulk mail must
	// still be quarantined rather than filed as automatic.
	checks := []func(*Message, *enmime.Part) Verdict{
		detectSpam, detectBounce, detectReadReceipt, detectAutoReply, detectList, detectBulk,
	}
	for _, check := range checks {
		if v := check(m, root); v.Kind != VerdictNone {
			return v
		}
	}
	return Verdict{}
}

func detectBounce(m *Message, root *enmime.Part) Verdict {
	ctype, reportType := topContentType(m)
	if ctype == "multipart/report" && reportType == "delivery-status" {
		return Verdict{VerdictBounce, "Content-Type: multipart/report; report-type=delivery-status"}
	}
	if ctype == "message/delivery-status" {
		return Verdict{VerdictBounce, "Content-Type: message/delivery-status"}
	}
	if !isMailerDaemon(m) {
		return Verdict{}
	}
	from := headerValue(m.Header, "From")
	switch {
	case headerValue(m.Header, "X-Failed-Recipients") != "":
		return Verdict{VerdictBounce, "From: " + from + " with X-Failed-Recipients"}
	case hasPartType(m, root, "message/delivery-status"):
		return Verdict{VerdictBounce, "From: " + from + " with a message/delivery-status part"}
	case ctype == "multipart/report":
		return Verdict{VerdictBounce, "From: " + from + " with Content-Type: multipart/report"}
	case dsnSubject.MatchString(m.Subject):
		return Verdict{VerdictBounce, "From: " + from + " with Subject: " + m.Subject}
	}
	return Verdict{}
}

// isMailerDaemon reports whether the From address is a mail system
// account: mailer-daemon or postmaster, in any case.
func isMailerDaemon(m *Message) bool {
	candidates := []string{m.Sender.Addr}
	if m.Sender.Addr == "" {
		candidates = append(candidates, headerValue(m.Header, "From"))
	}
	for _, c := range candidates {
		c = strings.ToLower(c)
		local, _, _ := strings.Cut(c, "@")
		local = strings.TrimSpace(strings.TrimLeft(local, "<\" "))
		if local == "mailer-daemon" || local == "postmaster" || strings.Contains(c, "mailer-daemon") {
			return true
		}
	}
	return false
}

func detectReadReceipt(m *Message, root *enmime.Part) Verdict {
	ctype, reportType := topContentType(m)
	if ctype == "multipart/report" && reportType == "disposition-notification" {
		return Verdict{VerdictReadReceipt,
			"Content-Type: multipart/report; report-type=disposition-notification"}
	}
	if ctype == "message/disposition-notification" {
		return Verdict{VerdictReadReceipt, "Content-Type: message/disposition-notification"}
	}
	return Verdict{}
}

func detectAutoReply(m *Message, _ *enmime.Part) Verdict {
	for _, v := range headerValues(m.Header, "Auto-Submitted") {
		if token := firstToken(v); token != "" && token != "no" {
			return Verdict{VerdictAutoReply, "Auto-Submitted: " + strings.TrimSpace(v)}
		}
	}
	for _, name := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Response"} {
		if v := headerValue(m.Header, name); v != "" && !isNo(v) {
			return Verdict{VerdictAutoReply, name + ": " + v}
		}
	}
	if v := headerValue(m.Header, "X-Autogenerated"); strings.EqualFold(firstToken(v), "reply") {
		return Verdict{VerdictAutoReply, "X-Autogenerated: " + v}
	}
	for _, name := range []string{"Precedence", "X-Precedence"} {
		for _, v := range headerValues(m.Header, name) {
			if t := firstToken(v); t == "auto_reply" || t == "auto-reply" {
				return Verdict{VerdictAutoReply, name + ": " + strings.TrimSpace(v)}
			}
		}
	}
	return detectAutoReplySubject(m)
}

// detectAutoReplySubject flags an auto-reply subject backed by a header
// that a mail server sets, as detectAutomatic explains.
func detectAutoReplySubject(m *Message) Verdict {
	match := autoReplySubject.FindStringSubmatch(m.Subject)
	if match == nil {
		return Verdict{}
	}
	reason := "Subject: " + m.Subject
	if v := headerValue(m.Header, "X-MS-Exchange-Inbox-Rules-Loop"); v != "" {
		return Verdict{VerdictAutoReply, reason + " with X-MS-Exchange-Inbox-Rules-Loop"}
	}
	if isNullPath(headerValue(m.Header, "Return-Path")) {
		return Verdict{VerdictAutoReply, reason + " with Return-Path: <>"}
	}
	topic := strings.TrimSpace(headerValue(m.Header, "Thread-Topic"))
	if topic != "" {
		rest := strings.TrimLeft(m.Subject[len(match[0]):], " :-")
		topic, _ = decodeWords(topic)
		if strings.EqualFold(strings.TrimSpace(rest), cleanText(topic)) {
			return Verdict{VerdictAutoReply, reason + " with a matching Thread-Topic"}
		}
	}
	return Verdict{}
}

func detectList(m *Message, _ *enmime.Part) Verdict {
	if v := headerValue(m.Header, "List-Id"); v != "" {
		return Verdict{VerdictList, "List-Id: " + v}
	}
	if headerValue(m.Header, "List-Unsubscribe") != "" && headerValue(m.Header, "List-Post") != "" {
		return Verdict{VerdictList, "List-Unsubscribe with List-Post"}
	}
	for _, name := range []string{"Mailing-List", "X-Mailing-List"} {
		if v := headerValue(m.Header, name); v != "" {
			return Verdict{VerdictList, name + ": " + v}
		}
	}
	return Verdict{}
}

func detectBulk(m *Message, _ *enmime.Part) Verdict {
	for _, v := range headerValues(m.Header, "Precedence") {
		switch firstToken(v) {
		case "bulk", "junk", "list":
			return Verdict{VerdictBulk, "Precedence: " + strings.TrimSpace(v)}
		}
	}
	if isDMARCReport(m) {
		return Verdict{VerdictBulk, "DMARC aggregate report"}
	}
	return Verdict{}
}

// isDMARCReport reports whether m is a DMARC aggregate report: its
// subject starts "Report Domain:" and names a submitter, or it carries a
// file whose name matches dmarcReportName.
func isDMARCReport(m *Message) bool {
	subject := strings.ToLower(m.Subject)
	if strings.HasPrefix(subject, "report domain:") && strings.Contains(subject, "submitter:") {
		return true
	}
	for _, a := range m.Attachments {
		if dmarcReportName.MatchString(a.FileName) {
			return true
		}
	}
	return false
}

func detectSpam(m *Message, _ *enmime.Part) Verdict {
	if v := headerValue(m.Header, "X-Spam-Flag"); strings.EqualFold(firstToken(v), "yes") {
		return Verdict{VerdictSpam, "X-Spam-Flag: " + v}
	}
	if v := headerValue(m.Header, "X-Spam-Status"); strings.EqualFold(firstToken(v), "yes") {
		return Verdict{VerdictSpam, "X-Spam-Status: " + firstToken(v)}
	}
	if strings.Contains(m.Text, gtube) || strings.Contains(m.HTML, gtube) {
		return Verdict{VerdictSpam, "GTUBE test string in the body"}
	}
	if tag := spamTag.FindString(m.Subject); tag != "" {
		return Verdict{VerdictSpam, "Subject tagged " + strings.TrimSpace(tag)}
	}
	return Verdict{}
}

// topContentType returns the lower-cased media type of the top-level
// Content-Type and its report-type parameter.
func topContentType(m *Message) (ctype, reportType string) {
	v := headerValue(m.Header, "Content-Type")
	ctype, _, _ = strings.Cut(v, ";")
	ctype = strings.ToLower(strings.TrimSpace(ctype))
	reportType = strings.ToLower(strings.TrimSpace(splitParams(v)["report-type"]))
	return ctype, reportType
}

// hasPartType reports whether a part of the given media type is in the
// tree under root or among the attachments of m.
func hasPartType(m *Message, root *enmime.Part, ctype string) bool {
	for _, a := range m.Attachments {
		if a.ContentType == ctype {
			return true
		}
	}
	if root == nil {
		return false
	}
	return root.DepthMatchFirst(func(p *enmime.Part) bool { return p.ContentType == ctype }) != nil
}

// firstToken returns the lower-cased value before any ";", "," or
// comment, as in "auto-replied; owner-email=..." or "bulk (list)".
func firstToken(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if i := strings.IndexAny(v, ";,( \t"); i >= 0 {
		v = v[:i]
	}
	return strings.Trim(v, `"`)
}

// isNo reports whether a header value means "no".
func isNo(v string) bool {
	switch firstToken(v) {
	case "no", "false", "0", "off", "none":
		return true
	}
	return false
}

// isNullPath reports whether a Return-Path value is the null reverse
// path "<>".
func isNullPath(v string) bool {
	return strings.TrimSpace(stripComments(v)) == "<>"
}
