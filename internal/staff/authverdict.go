package staff

import (
	"strings"

	"github.com/emersion/go-msgauth/authres"
	"golang.org/x/net/publicsuffix"
)

// judge returns the verdict of results on the From domain, in this
// order: DMARC for that domain (fail before pass), an aligned DKIM or SPF
// pass, no evidence when no method was reported or only temporary
// errors, and Fail otherwise.
func judge(results []authres.Result, domain string) Authentication {
	if a, ok := judgeDMARC(results, domain); ok {
		return a
	}
	var seen []string
	temporary := true
	for _, r := range results {
		value, id := resultIdentity(r)
		if value == "" {
			continue
		}
		summary := method(r) + "=" + string(value)
		if id != "" {
			summary += " " + identityName(r) + "=" + id
		}
		if value == authres.ResultPass && aligned(domainOf(id), domain) {
			return Authentication{VerdictPass, summary + " aligned with " + domain}
		}
		seen = append(seen, summary)
		temporary = temporary && value == authres.ResultTempError
	}
	switch {
	case len(seen) == 0:
		return Authentication{VerdictNone, "the trusted Authentication-Results report no SPF, DKIM or DMARC result"}
	case temporary:
		return Authentication{VerdictNone, "temporary errors only: " + strings.Join(seen, ", ")}
	}
	return Authentication{VerdictFail, "no SPF or DKIM pass aligned with " + domain + ": " + strings.Join(seen, ", ")}
}

// judgeDMARC returns the verdict of a DMARC pass or fail reported for
// domain. A result that names another header.from is ignored.
func judgeDMARC(results []authres.Result, domain string) (Authentication, bool) {
	var pass bool
	for _, r := range results {
		d, ok := r.(*authres.DMARCResult)
		if !ok || (d.From != "" && !strings.EqualFold(d.From, domain)) {
			continue
		}
		switch d.Value {
		case authres.ResultFail:
			return Authentication{VerdictFail, "dmarc=fail header.from=" + domain}, true
		case authres.ResultPass:
			pass = true
		}
	}
	if pass {
		return Authentication{VerdictPass, "dmarc=pass header.from=" + domain}, true
	}
	return Authentication{}, false
}

// resultIdentity returns the value of a DKIM or SPF result and the
// identity it applies to: the signing domain (header.d, else the domain
// of header.i) or the envelope sender (smtp.mailfrom). A DMARC result
// that judgeDMARC did not settle gives its value only.
func resultIdentity(r authres.Result) (authres.ResultValue, string) {
	switch r := r.(type) {
	case *authres.DKIMResult:
		if r.Domain != "" {
			return r.Value, strings.ToLower(r.Domain)
		}
		return r.Value, strings.ToLower(domainOf(r.Identifier))
	case *authres.SPFResult:
		return r.Value, strings.ToLower(r.From)
	case *authres.DMARCResult:
		return r.Value, ""
	}
	return "", ""
}

func identityName(r authres.Result) string {
	if _, ok := r.(*authres.SPFResult); ok {
		return "smtp.mailfrom"
	}
	return "header.d"
}

// domainOf returns the part after the last "@", or s itself.
func domainOf(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// aligned reports whether domains a and b have the same organizational
// domain. A domain that has none, such as a public suffix or a single
// label, aligns only with itself.
func aligned(a, b string) bool {
	a = strings.TrimSuffix(strings.ToLower(a), ".")
	b = strings.TrimSuffix(strings.ToLower(b), ".")
	if a == "" || b == "" {
		return false
	}
	if a == b {
		return true
	}
	orgA, errA := publicsuffix.EffectiveTLDPlusOne(a)
	orgB, errB := publicsuffix.EffectiveTLDPlusOne(b)
	return errA == nil && errB == nil && orgA == orgB
}

// stripComments removes RFC 5322 comments, nested or not, outside
// quoted strings, so that a comment holding ";" or "=" cannot split or
// add a result.
func stripComments(s string) string {
	var b strings.Builder
	depth := 0
	quoted, escaped := false, false
	for _, r := range s {
		switch {
		case escaped:
			escaped = false
		case r == '\\':
			escaped = true
		case quoted:
			quoted = r != '"'
		case r == '"' && depth == 0:
			quoted = true
		case r == '(':
			depth++
			continue
		case r == ')' && depth > 0:
			depth--
			b.WriteByte(' ')
			continue
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}
