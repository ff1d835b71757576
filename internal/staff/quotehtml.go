package staff

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// historyIDs are the ids of elements that mail clients put at the start
// of the quoted history, which runs from there to the end of the body:
// Outlook on the web and new Outlook ("appendonsend", "divRplyFwdMsg",
// "mail-editor-reference-message-container") and Zimbra ("zwchr").
var historyIDs = map[string]bool{
	"appendonsend":  true,
	"divRplyFwdMsg": true,
	"mail-editor-reference-message-container": true,
	"zwchr": true,
}

// quoteClasses are the classes of elements that contain a quote and
// nothing of the reply: Gmail's quote, Thunderbird's attribution line,
// Yahoo Mail's quote.
var quoteClasses = []string{"gmail_quote", "gmail_quote_container", "moz-cite-prefix", "yahoo_quoted"}

// outlookBlock matches the folded text of Outlook's header block above
// the message it replies to, with the separator line that older
// versions write above it.
var outlookBlock = regexp.MustCompile(`^(?:-{2,}[^-]+-{2,}\s*)?\*?(?:de|from)\s*\*?\s*:.*\b(?:envoye|sent|date)\s*\*?\s*:.*\b(?:objet|subject)\s*\*?\s*:`)

// TrimQuotedHTML returns the HTML body of a staff reply without the
// quoted history and without active content, rendered as a complete
// document.
//
// It cuts the body at the first start of the history: Outlook's
// appendonsend or divRplyFwdMsg, a block that holds Outlook's header
// block ("De :", "Envoyé :", "Objet :"), or a separator paragraph such
// as "-----Original Message-----". Then it removes the quotes
// (blockquote elements of type "cite", Gmail's gmail_quote,
// Thunderbird's moz-cite-prefix, Yahoo's yahoo_quoted) that come before
// the first or after the last own text. Quotes between own texts stay,
// as the context of interleaved answers. Last, it removes what could
// run or load (see sanitize). A body nested deeper than the 512
// elements golang.org/x/net/html accepts gives an error.
func TrimQuotedHTML(src string) (string, error) {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		return "", fmt.Errorf("parse HTML body of %d bytes: %w", len(src), err)
	}
	removeHistory(doc)
	sanitize(doc)
	var b strings.Builder
	if err := html.Render(&b, doc); err != nil {
		return "", fmt.Errorf("render trimmed HTML body: %w", err)
	}
	return b.String(), nil
}

// removeHistory cuts the document at the first element that starts the
// history, then removes the quotes that no own text follows or that no
// own text precedes. A quote with own text on both sides is an
// interleaved answer's context and stays.
func removeHistory(doc *html.Node) {
	if n := findHistoryStart(doc); n != nil {
		cutFrom(n)
	}
	var items []quoteItem
	collectItems(doc, false, &items)
	firstOwn, lastOwn := len(items), -1
	for i, it := range items {
		if it.quote != nil {
			continue
		}
		firstOwn = min(firstOwn, i)
		if !it.signature {
			lastOwn = i
		}
	}
	for i, it := range items {
		if it.quote != nil && (i < firstOwn || i > lastOwn) {
			it.quote.Parent.RemoveChild(it.quote)
		}
	}
}

// quoteItem is a quote element or a piece of own text, in document
// order.
type quoteItem struct {
	quote     *html.Node // nil for own text
	signature bool       // own text inside a signature element
}

// collectItems lists the quote elements and non-blank own text nodes
// under n in document order, without looking inside quotes.
func collectItems(n *html.Node, inSignature bool, items *[]quoteItem) {
	switch {
	case n.Type == html.ElementNode && isQuoteElement(n):
		*items = append(*items, quoteItem{quote: n})
		return
	case n.Type == html.ElementNode && isSignature(n):
		inSignature = true
	case n.Type == html.TextNode && trimSpace(n.Data) != "":
		*items = append(*items, quoteItem{signature: inSignature})
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		collectItems(c, inSignature, items)
	}
}

// isSignature reports whether n is the signature block of Thunderbird
// (moz-signature) or Gmail (gmail_signature).
func isSignature(n *html.Node) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == "moz-signature" || c == "gmail_signature" {
			return true
		}
	}
	return false
}

// findHistoryStart returns the first element, in document order and
// outside quotes, that starts the history, or nil.
func findHistoryStart(n *html.Node) *html.Node {
	if n.Type == html.ElementNode {
		if isQuoteElement(n) {
			return nil
		}
		if startsHistory(n) {
			return n
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if found := findHistoryStart(c); found != nil {
			return found
		}
	}
	return nil
}

// isQuoteElement reports whether n is a quote to remove on its own.
func isQuoteElement(n *html.Node) bool {
	if n.Data == "blockquote" && strings.EqualFold(attr(n, "type"), "cite") {
		return true
	}
	classes := strings.Fields(attr(n, "class"))
	for _, c := range classes {
		for _, q := range quoteClasses {
			if c == q {
				return true
			}
		}
	}
	return false
}

// startsHistory reports whether the history starts at n: an element
// with one of historyIDs, a div that holds Outlook's header block, or a
// paragraph or div whose text is a separator line.
func startsHistory(n *html.Node) bool {
	if historyIDs[attr(n, "id")] {
		return true
	}
	if n.Data != "div" && n.Data != "p" {
		return false
	}
	// The fields of a header block come near the start of its text, so
	// 600 bytes are enough, and reading no more keeps the search linear
	// in nested elements.
	text, complete := textPrefix(n, 600)
	text = fold(trimSpace(strings.Join(strings.Fields(text), " ")))
	if complete && separator.MatchString(text) {
		return true
	}
	return n.Data == "div" && outlookBlock.MatchString(text)
}

// cutFrom removes n, the siblings after it, and the siblings after each
// of its ancestors below the body: everything that follows n in the
// document. An <hr> just before n goes too, since Outlook draws it
// above the header block.
func cutFrom(n *html.Node) {
	if prev := previousElement(n); prev != nil && prev.Data == "hr" {
		prev.Parent.RemoveChild(prev)
	}
	for a := n; a.Parent != nil && !(a.Type == html.ElementNode && a.Data == "body"); a = a.Parent {
		for s := a.NextSibling; s != nil; {
			next := s.NextSibling
			a.Parent.RemoveChild(s)
			s = next
		}
	}
	n.Parent.RemoveChild(n)
}

// previousElement returns the element before n among its siblings,
// skipping white space, or nil.
func previousElement(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		switch {
		case p.Type == html.ElementNode:
			return p
		case p.Type == html.TextNode && trimSpace(p.Data) == "":
			continue
		default:
			return nil
		}
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// textPrefix returns the first limit bytes or so of the text under n,
// with a space for each line break or block, and whether that is all of
// it.
func textPrefix(n *html.Node, limit int) (string, bool) {
	var b strings.Builder
	var walk func(*html.Node) bool
	walk = func(n *html.Node) bool {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.Data == "br" || n.Data == "p" || n.Data == "div"):
			b.WriteString(" ")
		}
		if b.Len() > limit {
			return false
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if !walk(c) {
				return false
			}
		}
		return true
	}
	complete := walk(n)
	return b.String(), complete
}
