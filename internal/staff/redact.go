package staff

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// HiddenAddress replaces an internal address in text relayed to the
// requester.
const HiddenAddress = "[adresse interne]"

// addressPattern matches an addr-spec with a dotted domain, optionally
// in angle brackets or after "mailto:", as it appears in text.
var addressPattern = regexp.MustCompile(`(?i)<?(?:mailto:)?([a-z0-9.!#$%&'*+/=?^_` + "`" +
	`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)>?`)

// Redact replaces in text every address for which internal reports
// true, with its angle brackets or "mailto:", by HiddenAddress.
// internal gets the address lower-cased. The caller decides what is
// internal: the dossier's reply address, service mailboxes, staff
// addresses.
func Redact(text string, internal func(addr string) bool) string {
	return addressPattern.ReplaceAllStringFunc(text, func(match string) string {
		addr := addressPattern.FindStringSubmatch(match)[1]
		if !internal(strings.ToLower(addr)) {
			return match
		}
		return HiddenAddress
	})
}

// RedactHTML applies Redact to the text and to the mailto: links of an
// HTML document, and renders it again. A link to a hidden address
// loses its href.
func RedactHTML(src string, internal func(addr string) bool) (string, error) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("parse HTML body of %d bytes: %w", len(src), err)
	}
	redactNode(doc, internal)
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return "", fmt.Errorf("render redacted HTML body: %w", err)
	}
	return b.String(), nil
}

func redactNode(n *html.Node, internal func(string) bool) {
	switch n.Type {
	case html.TextNode:
		n.Data = Redact(n.Data, internal)
	case html.ElementNode:
		kept := n.Attr[:0]
		for _, a := range n.Attr {
			if strings.EqualFold(a.Key, "href") && Redact(a.Val, internal) != a.Val {
				continue
			}
			kept = append(kept, a)
		}
		n.Attr = kept
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		redactNode(c, internal)
	}
}
