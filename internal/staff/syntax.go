package staff

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxDelayDays is the longest délai #pieces accepts, in days.
const MaxDelayDays = 365

// idPattern is the form of service and nature ids in the configuration.
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// bulletPrefix matches the bullet or number in front of a #pieces item:
// "- ", "* ", "• ", "– ", "1. ", "2) ".
var bulletPrefix = regexp.MustCompile(`^(?:[-*•–—+·]|\d{1,2}[.)])\s+`)

// delayWord matches a folded délai line and captures what follows the
// word: "délai 15 jours", "Délai : 15 j", "délai de 15 jours".
var delayWord = regexp.MustCompile(`^delai\b\s*(?:[:=]\s*)?(?:de\s+)?(.*)$`)

// delayValue matches the folded value of a délai: a number of days.
var delayValue = regexp.MustCompile(`^(\d{1,6})\s*(?:jours?|j)\.?$`)

// stripMarks removes combining marks after canonical decomposition, so
// that "é" becomes "e".
var stripMarks = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// fold returns s lower-cased and without accents, with no-break spaces
// made plain spaces, for matching command words.
func fold(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\u00a0' || r == '\u202f' {
			return ' '
		}
		return unicode.ToLower(r)
	}, s)
	out, _, err := transform.String(stripMarks, s)
	if err != nil {
		return s
	}
	return out
}

// trimSpace trims white space, no-break spaces included.
func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' || r == '\ufeff'
	})
}

// commandLine is a line that starts with "#" and a word.
type commandLine struct {
	word string // folded
	rest string // the arguments, trimmed, without a leading ":"
}

// splitCommand reads line as a command line: optional white space,
// "#", optional white space, then a word of letters. It reports false
// for other lines, including "#1" and a lone "#".
func splitCommand(line string) (commandLine, bool) {
	s := trimSpace(line)
	if !strings.HasPrefix(s, "#") {
		return commandLine{}, false
	}
	s = trimSpace(s[1:])
	end := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) })
	if end < 0 {
		end = len(s)
	}
	if end == 0 {
		return commandLine{}, false
	}
	rest := trimSpace(s[end:])
	rest = trimSpace(strings.TrimPrefix(rest, ":"))
	return commandLine{word: fold(s[:end]), rest: rest}, true
}

// isKnownCommand reports whether line is a command line with a known
// command word.
func isKnownCommand(line string) bool {
	cl, ok := splitCommand(line)
	if !ok {
		return false
	}
	_, known := keywords[cl.word]
	return known
}

// isDelayLine reports whether line starts with the word "délai".
func isDelayLine(line string) bool {
	return delayWord.MatchString(fold(trimSpace(line)))
}

// parseDelay reads a délai line into days, or returns a problem in
// French.
func parseDelay(line string) (int, string) {
	m := delayWord.FindStringSubmatch(fold(trimSpace(line)))
	if m == nil {
		return 0, "délai illisible"
	}
	v := delayValue.FindStringSubmatch(trimSpace(m[1]))
	if v == nil {
		return 0, "délai illisible : « " + trimSpace(line) +
			" » ; écrivez un nombre de jours, par exemple « délai 15 jours »"
	}
	days, err := strconv.Atoi(v[1])
	if err != nil || days < 1 || days > MaxDelayDays {
		return 0, "délai de " + v[1] + " jours hors des limites : il doit être compris entre 1 et " +
			strconv.Itoa(MaxDelayDays) + " jours"
	}
	return days, ""
}

// isBullet reports whether line starts with a list bullet or number.
func isBullet(line string) bool {
	return bulletPrefix.MatchString(trimSpace(line))
}

// itemText returns a #pieces item without its bullet.
func itemText(line string) string {
	s := trimSpace(line)
	return trimSpace(bulletPrefix.ReplaceAllString(s, ""))
}

// trimSeparators removes the separators people put between an argument
// and a reason: "-", "–", ":" and white space.
func trimSeparators(s string) string {
	return strings.TrimLeftFunc(trimSpace(s), func(r rune) bool {
		return strings.ContainsRune("-–—:", r) || unicode.IsSpace(r) || r == '\u00a0'
	})
}

// normalizeID folds an id for comparison with configuration ids:
// "Urbanisme" and "État-civil" become "urbanisme" and "etat-civil".
func normalizeID(s string) string {
	return fold(trimSpace(s))
}
