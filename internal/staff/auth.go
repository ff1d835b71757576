package staff

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-message/textproto"
	"github.com/emersion/go-msgauth/authres"
)

// Verdict is the conclusion drawn from the receiving hop's
// authentication results on the From address of a reply.
type Verdict int

const (
	// VerdictNone means no evidence: no Authentication-Results field from
	// a trusted authserv-id, or one that reports no SPF, DKIM or DMARC
	// result, or only temporary errors. The caller decides; sved's rule
	// is that only Fail disqualifies a staff address.
	VerdictNone Verdict = iota
	// VerdictPass means DMARC passed for the From domain, or DKIM or SPF
	// passed for a domain aligned with it.
	VerdictPass
	// VerdictFail means DMARC failed for the From domain, or the
	// receiving hop checked SPF or DKIM and none of them passed for a
	// domain aligned with it. The From address is then not to be
	// believed.
	VerdictFail
)

// String returns "none", "pass" or "fail".
func (v Verdict) String() string {
	switch v {
	case VerdictPass:
		return "pass"
	case VerdictFail:
		return "fail"
	}
	return "none"
}

// Authentication is the verdict on a From address with the results
// behind it.
type Authentication struct {
	Verdict Verdict
	// Reason is an English summary for logs and the journal, such as
	// "dkim=pass header.d=example.fr aligned with example.fr".
	Reason string
}

// ReadHeader reads the header of the raw message raw.
func ReadHeader(raw []byte) (textproto.Header, error) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return textproto.Header{}, fmt.Errorf("read header of %d-byte message: %w", len(raw), err)
	}
	return h, nil
}

// Authenticate judges the From address from of a message with header h
// by the Authentication-Results fields (RFC 8601) of the receiving hop.
// Only fields whose authserv-id is one of trusted count, compared
// without case, and only those at the top of the header: above the
// second Received field, and above the first one below a trusted field,
// because the fields further down came with the message. For each
// method (dmarc, dkim, spf) the topmost trusted field that reports it
// wins.
//
// A forged field placed right under the receiving hop's own fields
// cannot be distinguished by position when that hop writes its Received
// field above them, as Postfix with OpenDKIM does. The receiving MTA
// must therefore remove incoming fields that carry its authserv-id, as
// RFC 8601 section 5 requires.
//
// Alignment is relaxed, as in DMARC (RFC 7489): two domains align when
// their organizational domains, computed with the public suffix list of
// golang.org/x/net/publicsuffix, are equal.
func Authenticate(h textproto.Header, from string, trusted []string) Authentication {
	from = strings.ToLower(trimSpace(from))
	domain := domainOf(from)
	if !strings.Contains(from, "@") || domain == "" {
		return Authentication{VerdictNone, "no From domain"}
	}
	results, found := trustedResults(h, trusted)
	if !found {
		return Authentication{VerdictNone, "no Authentication-Results from a trusted authserv-id"}
	}
	return judge(results, domain)
}

// trustedResults returns the results of the trusted fields at the top
// of h, keeping for each method those of the topmost field that
// reports it, and whether any trusted field was found.
func trustedResults(h textproto.Header, trusted []string) ([]authres.Result, bool) {
	var results []authres.Result
	methods := map[string]bool{}
	found := false
	received := 0
	fields := h.Fields()
	for fields.Next() {
		key := fields.Key()
		if strings.EqualFold(key, "Received") {
			// The receiving hop writes its results just above or just
			// below its own Received field. Fields under a second
			// Received come from further away, where a sender may have
			// written them.
			received++
			if found || received > 1 {
				break
			}
		}
		if !strings.EqualFold(key, "Authentication-Results") {
			continue
		}
		// A malformed field still gives the results before the error.
		id, fieldResults, _ := authres.Parse(stripComments(fields.Value()))
		if !isTrusted(id, trusted) {
			continue
		}
		found = true
		fieldMethods := map[string]bool{}
		for _, r := range fieldResults {
			m := method(r)
			if m == "" || methods[m] {
				continue
			}
			fieldMethods[m] = true
			results = append(results, r)
		}
		for m := range fieldMethods {
			methods[m] = true
		}
	}
	return results, found
}

func isTrusted(id string, trusted []string) bool {
	for _, t := range trusted {
		if id != "" && strings.EqualFold(id, t) {
			return true
		}
	}
	return false
}

// method returns "dmarc", "dkim" or "spf" for the results Authenticate
// uses, and "" for the others.
func method(r authres.Result) string {
	switch r.(type) {
	case *authres.DMARCResult:
		return "dmarc"
	case *authres.DKIMResult:
		return "dkim"
	case *authres.SPFResult:
		return "spf"
	}
	return ""
}
