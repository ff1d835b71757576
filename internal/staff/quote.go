package staff

import (
	"regexp"
	"strings"
)

// attribution matches a folded attribution line that introduces a
// quote: "Le 3 déc. 2026 à 10:00, X <x@example.fr> a écrit :",
// "On Thu, Dec 3, 2026 at 10:00 AM X wrote:", and the German, Spanish
// and Italian forms.
var attribution = regexp.MustCompile(`^(?:le|on|am|el|il)\b.*\b(?:a ecrit|wrote|schrieb|escribio|ha scritto)\s*:$`)

// separator matches the folded lines that mail clients put above the
// message they reply to or forward, when they do not quote it with ">":
// Outlook's "-----Message d'origine-----" and "-----Original Message-----",
// Zimbra's "----- Mail original -----", Thunderbird's "-------- Message
// original --------", Gmail's "---------- Forwarded message ---------"
// and "Message transféré", Apple Mail's "Début du message réexpédié :".
var separator = regexp.MustCompile(`^(?:-{2,}\s*(?:message d'origine|original message|mail original|` +
	`message original|forwarded message|message transfere|message du demandeur|message recu)\s*-{2,}|` +
	`debut du message reexpedie\s*:|begin forwarded message\s*:)$`)

// underscores matches Outlook's line of underscores above the header
// block of the message it replies to.
var underscores = regexp.MustCompile(`^_{20,}$`)

// headerField matches a folded header line of Outlook's block, with an
// optional "*" left by bold text turned into plain text.
var headerField = regexp.MustCompile(`^\*?(de|from|envoye|sent|date|a|to|cc|objet|subject)\s*\*?\s*:`)

// forwardStart matches the first lines of the forwards sved sends to
// services ("Nouvelle demande : REF", "Complément reçu pour le dossier
// REF"), folded and possibly in bold ("*...*" in text made from HTML),
// for clients that paste the forward below the reply without quoting it.
var forwardStart = regexp.MustCompile(
	`^\*?(?:nouvelle demande :|complement recu pour le dossier) [a-z0-9]+-\d{4}-\d+\*?$`)

// TrimQuoted returns the text a staff member wrote in a reply, their
// signature included, without the quoted history. text is the
// plain-text body; line endings become "\n".
//
// The unquoted history starts at the first of these lines, and
// everything from there on is dropped, because the clients that write
// them put nothing of the reply below:
//   - a separator such as "-----Message d'origine-----" or
//     "-----Original Message-----";
//   - an Outlook header block: "De :" or "From:", then "Envoyé :",
//     "Sent:" or "Date:", then "Objet :" or "Subject:", with or without
//     a no-break space before the colon, and the line of underscores
//     above it;
//   - the first line of a forward that sved sent to a service.
//
// Above that point, lines quoted with ">" and the attribution line that
// introduces them ("Le … a écrit :", "On … wrote:", which may be wrapped
// over two lines) are dropped when they come before the first or after
// the last line of the staff member's own text. When the staff member
// answered between quoted lines, the quoted lines in between are kept
// with the attribution above them, so that each answer keeps the
// question it answers.
//
// A signature that follows the quote (a "-- " line after the last quoted
// line) is kept below the own text and is not taken for an interleaved
// answer.
func TrimQuoted(text string) string {
	lines := splitLines(text)
	lines = lines[:historyStart(lines)]
	own := ownLines(lines)
	if sig := trailingSignature(lines, own); sig >= 0 {
		body := trimOwn(lines[:sig], own[:sig])
		signature := trimOwn(lines[sig:], own[sig:])
		if body == "" {
			return signature
		}
		return body + "\n\n" + signature
	}
	return trimOwn(lines, own)
}

// trimOwn returns the lines from the first to the last own line, or from
// the start of the quote that precedes the first own line when quoted
// lines stand between own lines.
func trimOwn(lines []string, own []bool) string {
	first, last := -1, -1
	for i, ok := range own {
		if ok {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return ""
	}
	start := first
	if interleaved(lines[first:last+1], own[first:last+1]) {
		start = quoteStart(lines, own, first)
	}
	return strings.Join(lines[start:last+1], "\n")
}

// historyStart returns the index of the first line of unquoted history
// (separator, header block, sved forward), or len(lines).
func historyStart(lines []string) int {
	for i, line := range lines {
		f := fold(trimSpace(line))
		switch {
		case separator.MatchString(f):
			return i
		case underscores.MatchString(f) && headerBlockAt(lines, nextNonBlankLine(lines, i)):
			return i
		case headerBlockAt(lines, i):
			return i
		case forwardStart.MatchString(f):
			return i
		}
	}
	return len(lines)
}

// headerBlockAt reports whether an Outlook header block starts at line
// i: a "De :" or "From:" field, then within the next five lines a date
// field ("Envoyé :", "Sent:" or "Date:") and a subject field.
func headerBlockAt(lines []string, i int) bool {
	if i < 0 || i >= len(lines) {
		return false
	}
	if name := headerName(lines[i]); name != "de" && name != "from" {
		return false
	}
	var dated, titled bool
	for j := i + 1; j < len(lines) && j <= i+5; j++ {
		switch headerName(lines[j]) {
		case "envoye", "sent", "date":
			dated = true
		case "objet", "subject":
			titled = true
		}
	}
	return dated && titled
}

// headerName returns the folded field name of an Outlook header line,
// or "".
func headerName(line string) string {
	m := headerField.FindStringSubmatch(fold(trimSpace(line)))
	if m == nil {
		return ""
	}
	return m[1]
}

// trailingSignature returns the index of a signature delimiter ("--"
// or "-- ") that is the first own line after the last quoted line, or -1.
func trailingSignature(lines []string, own []bool) int {
	lastQuoted := -1
	for i, line := range lines {
		if isQuoted(line) {
			lastQuoted = i
		}
	}
	if lastQuoted < 0 {
		return -1
	}
	for i := lastQuoted + 1; i < len(lines); i++ {
		if !own[i] {
			continue
		}
		if strings.TrimRight(lines[i], " \t") == "--" {
			return i
		}
		return -1
	}
	return -1
}

func nextNonBlankLine(lines []string, i int) int {
	for j := i + 1; j < len(lines); j++ {
		if trimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

// isQuoted reports whether line is quoted with ">".
func isQuoted(line string) bool {
	return strings.HasPrefix(trimSpace(line), ">")
}

// ownLines marks the lines the staff member wrote: not blank, not
// quoted, and not an attribution line. An attribution may be wrapped,
// so a line joined with the next one is tested too. In both cases the
// quote must follow it, after blank lines at most.
func ownLines(lines []string) []bool {
	own := make([]bool, len(lines))
	for i, line := range lines {
		own[i] = trimSpace(line) != "" && !isQuoted(line)
	}
	for i := range lines {
		if !own[i] {
			continue
		}
		next := nextNonBlankLine(lines, i)
		if next >= 0 && isQuoted(lines[next]) && isAttribution(lines[i]) {
			own[i] = false
			continue
		}
		if next >= 0 && isAttribution(lines[i]+" "+lines[next]) {
			after := nextNonBlankLine(lines, next)
			if after >= 0 && isQuoted(lines[after]) {
				own[i], own[next] = false, false
			}
		}
	}
	return own
}

// isAttribution reports whether line is an attribution line, with runs
// of white space, such as those of a wrapped format=flowed line, read as
// one space.
func isAttribution(line string) bool {
	return attribution.MatchString(strings.Join(strings.Fields(fold(line)), " "))
}

// interleaved reports whether quoted lines stand between the first and
// the last line of own text.
func interleaved(lines []string, own []bool) bool {
	for i, line := range lines {
		if !own[i] && isQuoted(line) {
			return true
		}
	}
	return false
}

// quoteStart returns where the quote that precedes the first own line
// begins, its attribution included, or first when no quote precedes it.
func quoteStart(lines []string, own []bool, first int) int {
	for i := 0; i < first; i++ {
		if trimSpace(lines[i]) != "" && !own[i] {
			return i
		}
	}
	return first
}
