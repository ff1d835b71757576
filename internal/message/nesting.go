package message

import (
	"bytes"
	"fmt"
)

// Limits on the multipart structure that Parse hands to enmime. enmime
// v2.5.0 reads each nested multipart through one more boundary reader
// stacked on the readers of the outer levels, and these limits keep
// the shapes where that stacking blows up away from it. The timings are
// enmime's ReadParts alone, from TestMeasureNesting on one run on an
// 2-core Intel Xeon container with Go 1.26. Parse may call ReadParts twice.
// The worst accepted shapes, 100 closed levels and 12 unclosed levels,
// took 14 ms and 2 ms for the whole Parse, which leaves room for
// slower machines under a 50 ms budget.
const (
	// maxUnclosedNesting bounds a chain of nested multiparts whose
	// boundaries are never closed, so that each inner level runs into
	// the end of its parent. The time doubles with each level: 13 levels
	// took 2.7 ms, 17 took 38 ms and 21 took 0.6 s, so 31 levels (2 KB)
	// would take hours by that estimate.
	maxUnclosedNesting = 12
	// maxMultipartDepth bounds multipart nesting even when every level
	// is closed, because the time grows with the square of the depth:
	// 51 levels took 3.4 ms, 201 took 31 ms, 1001 took 0.41 s and 5001
	// took 8.6 s.
	maxMultipartDepth = 100
	// maxBoundaryDeclarations bounds the multipart boundaries declared
	// in part headers of one message. Siblings cost only linear time,
	// so this is a hard cap far above real mail rather than a measured
	// limit.
	maxBoundaryDeclarations = 500
)

// boundaryStack models the multipart levels open at one point of a
// message, from the outermost to the innermost, by boundary.
type boundaryStack struct {
	names []string
	// lowest maps a boundary to the indexes in names where it is
	// declared, lowest first. An outer level reads a boundary line before
	// the levels inside it, so a line ends the lowest level it matches.
	lowest map[string][]int
}

func (st *boundaryStack) push(name string) {
	st.lowest[name] = append(st.lowest[name], len(st.names))
	st.names = append(st.names, name)
}

// popAbove removes the levels above index i and returns how many it
// removed.
func (st *boundaryStack) popAbove(i int) int {
	removed := 0
	for len(st.names) > i+1 {
		top := st.names[len(st.names)-1]
		st.names = st.names[:len(st.names)-1]
		idx := st.lowest[top]
		if len(idx) == 1 {
			delete(st.lowest, top)
		} else {
			st.lowest[top] = idx[:len(idx)-1]
		}
		removed++
	}
	return removed
}

// nestingProblem scans raw, a message without leading junk, line by
// line and returns a warning when its multipart structure exceeds one
// of the limits above, or "" when enmime can parse it in bounded time.
// It follows only boundaries declared in part headers, as enmime does,
// so a message/rfc822 part, whose header enmime does not parse, starts
// no level. The scan takes time and memory linear in len(raw).
func nestingProblem(raw []byte) string {
	st := &boundaryStack{lowest: map[string][]int{}}
	inHeader := true
	declared, maxDepth, maxUnclosed := 0, 0, 0
	for len(raw) > 0 {
		line, rest := splitLine(raw)
		raw = rest
		if inHeader {
			if len(bytes.TrimSpace(line)) == 0 {
				inHeader = false
				continue
			}
			if name := declaredBoundary(line); name != "" {
				declared++
				st.push(name)
				maxDepth = max(maxDepth, len(st.names))
			}
			continue
		}
		name, closing, ok := boundaryLine(line)
		if !ok {
			continue
		}
		idx, found := st.lowest[name]
		if !found && closing {
			// A boundary may itself end in "--", so that this line is
			// its delimiter.
			name, closing = name+"--", false
			idx, found = st.lowest[name]
		}
		if !found {
			continue
		}
		i := idx[0]
		maxUnclosed = max(maxUnclosed, st.popAbove(i))
		if closing {
			st.popAbove(i - 1)
			continue
		}
		inHeader = true
	}
	maxUnclosed = max(maxUnclosed, len(st.names))

	switch {
	case maxUnclosed > maxUnclosedNesting:
		return fmt.Sprintf("MIME structure too deeply nested (%d unclosed multipart levels, "+
			"at most %d accepted); the message was kept raw and not split into parts.",
			maxUnclosed, maxUnclosedNesting)
	case maxDepth > maxMultipartDepth:
		return fmt.Sprintf("MIME structure too deeply nested (%d multipart levels, "+
			"at most %d accepted); the message was kept raw and not split into parts.",
			maxDepth, maxMultipartDepth)
	case declared > maxBoundaryDeclarations:
		return fmt.Sprintf("MIME structure too large (%d multipart boundaries declared, "+
			"at most %d accepted); the message was kept raw and not split into parts.",
			declared, maxBoundaryDeclarations)
	}
	return ""
}

// declaredBoundary returns the value of a boundary parameter on a header
// line, folded or not, or "" when the line has none.
func declaredBoundary(line []byte) string {
	const param = "boundary"
	for i := 0; i+len(param) <= len(line); i++ {
		if !bytes.EqualFold(line[i:i+len(param)], []byte(param)) {
			continue
		}
		if i > 0 && isTokenByte(line[i-1]) {
			continue
		}
		value := bytes.TrimLeft(line[i+len(param):], " \t")
		if len(value) == 0 || value[0] != '=' {
			continue
		}
		value = bytes.TrimLeft(value[1:], " \t")
		if len(value) > 0 && value[0] == '"' {
			if end := bytes.IndexByte(value[1:], '"'); end >= 0 {
				return string(value[1 : 1+end])
			}
			return string(value[1:])
		}
		end := bytes.IndexAny(value, "; \t")
		if end >= 0 {
			value = value[:end]
		}
		return string(value)
	}
	return ""
}

// isTokenByte reports whether b may appear in a parameter name, so that
// "xboundary=" is not read as a boundary parameter.
func isTokenByte(b byte) bool {
	return b == '-' || b == '_' || b == '*' ||
		'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9'
}

// boundaryLine returns the boundary named by a delimiter line
// ("--name") or a closing line ("--name--"), with closing set for the
// latter. Trailing white space is ignored, as enmime does.
func boundaryLine(line []byte) (name string, closing, ok bool) {
	if !bytes.HasPrefix(line, []byte("--")) {
		return "", false, false
	}
	line = bytes.TrimRight(line[2:], " \t")
	if rest, found := bytes.CutSuffix(line, []byte("--")); found {
		return string(rest), true, true
	}
	return string(line), false, true
}
