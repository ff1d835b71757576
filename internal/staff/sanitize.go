package staff

import (
	"strings"

	"golang.org/x/net/html"
)

// activeElements are removed with their content: they run code, load
// other documents, or take input.
var activeElements = map[string]bool{
	"script": true, "iframe": true, "frame": true, "frameset": true, "object": true,
	"embed": true, "applet": true, "form": true, "input": true, "button": true,
	"textarea": true, "select": true, "base": true, "link": true,
}

// urlAttributes are the attributes whose value is a URL.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "background": true,
	"poster": true, "srcset": true, "lowsrc": true, "dynsrc": true, "xlink:href": true,
}

// sanitize removes from the tree under n what could run or load when
// the requester opens the mail. It removes active elements, meta
// refreshes, comments (they hold Outlook's conditional markup), event
// handler attributes, and style attributes with script. It also removes
// URLs with a script or data scheme, except data:image/ URLs in src.
func sanitize(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if removable(c) {
			n.RemoveChild(c)
		} else {
			sanitize(c)
		}
		c = next
	}
	if n.Type == html.ElementNode {
		n.Attr = safeAttributes(n.Attr)
	}
}

func removable(n *html.Node) bool {
	switch n.Type {
	case html.CommentNode:
		return true
	case html.ElementNode:
		name := strings.ToLower(n.Data)
		if activeElements[name] {
			return true
		}
		return name == "meta" && attr(n, "http-equiv") != ""
	}
	return false
}

// safeAttributes returns attrs without event handlers, unsafe URLs and
// styles with script.
func safeAttributes(attrs []html.Attribute) []html.Attribute {
	kept := attrs[:0]
	for _, a := range attrs {
		key := strings.ToLower(a.Key)
		if a.Namespace != "" {
			key = strings.ToLower(a.Namespace) + ":" + key
		}
		switch {
		case strings.HasPrefix(key, "on"):
			continue
		case urlAttributes[key] && !safeURL(a.Val, key == "src"):
			continue
		case key == "style" && unsafeStyle(a.Val):
			continue
		}
		kept = append(kept, a)
	}
	return kept
}

// safeURL reports whether a URL attribute may stay: any URL without a
// scheme or with a scheme other than javascript:, vbscript: and data:,
// and data:image/ URLs in src.
func safeURL(v string, isSource bool) bool {
	compact := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(html.UnescapeString(v)))
	switch {
	case strings.HasPrefix(compact, "javascript:"), strings.HasPrefix(compact, "vbscript:"):
		return false
	case strings.HasPrefix(compact, "data:"):
		return isSource && strings.HasPrefix(compact, "data:image/") && !strings.HasPrefix(compact, "data:image/svg")
	}
	return true
}

func unsafeStyle(v string) bool {
	s := strings.ToLower(v)
	return strings.Contains(s, "expression(") || strings.Contains(s, "javascript:") ||
		strings.Contains(s, "behavior:") || strings.Contains(s, "-moz-binding")
}
