package staff

import (
	"strings"
)

// maxItems bounds the items of one #pieces command.
const maxItems = 50

// parser holds the state of one Parse call.
type parser struct {
	lines    []string
	pos      int // index of the next line to read
	commands []Command
	text     string
	problems []Problem
}

// Parse reads the commands at the top of text and returns them with the
// text that follows. text is the plain-text body of a staff reply
// without its quoted history (see TrimQuoted): parsed with the history
// still in it, an internal reply would carry the quoted forward as its
// text.
//
// A reply without commands is a plain reply: Parse returns it with no
// Commands and the whole text, possibly empty. When the commands are
// malformed, unknown or contradictory, Parse returns a nil Reply and a
// *ParseError that lists every problem in French; nothing in such a
// reply may be acted on or relayed. The command language is described
// in the package documentation.
func Parse(text string) (*Reply, error) {
	p := &parser{lines: splitLines(text)}
	p.readCommands()
	p.readText()
	p.checkCombination()
	if len(p.problems) > 0 {
		return nil, &ParseError{Problems: p.problems}
	}
	return &Reply{Commands: p.commands, Text: p.text}, nil
}

// splitLines splits text at CRLF, LF or a lone CR.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	return strings.Split(text, "\n")
}

func (p *parser) problem(line int, msg string) {
	p.problems = append(p.problems, Problem{Line: line, Message: msg})
}

// readCommands reads the command lines at the top, skipping blank lines
// before and between them, and stops at the first other line.
func (p *parser) readCommands() {
	for p.pos < len(p.lines) {
		line := p.lines[p.pos]
		if trimSpace(line) == "" {
			p.pos++
			continue
		}
		cl, ok := splitCommand(line)
		if !ok {
			return
		}
		lineNo := p.pos + 1
		p.pos++
		kind, known := keywords[cl.word]
		if !known {
			p.problem(lineNo, "commande inconnue « #"+cl.word+" »")
			continue
		}
		p.readCommand(Command{Kind: kind, Line: lineNo}, cl.rest)
	}
}

// readCommand reads the arguments of c from rest, and from the lines
// below for #pieces, and records c.
func (p *parser) readCommand(c Command, rest string) {
	name := "#" + c.Kind.String()
	switch c.Kind {
	case KindRegister, KindClose, KindAttestation:
		if rest != "" {
			p.problem(c.Line, name+" s'écrit seul sur sa ligne ; écrivez « "+rest+
				" » sous les commandes, après une ligne vide")
		}
	case KindRefuse:
		c.Reason = trimSeparators(rest)
		if c.Reason == "" {
			p.problem(c.Line, "#refuser : indiquez le motif sur la même ligne, "+
				"par exemple « #refuser demande hors de la compétence de la commune »")
		}
	case KindTransfer:
		var msg string
		c.Address, c.Reason, msg = parseTransfer(rest)
		if msg != "" {
			p.problem(c.Line, msg)
		}
	case KindService, KindNature:
		var msg string
		c.ID, msg = parseID(c.Kind, rest)
		if msg != "" {
			p.problem(c.Line, msg)
		}
	case KindNote:
		c.Note = rest
	case KindDocuments:
		p.readDocuments(&c, rest)
	}
	p.commands = append(p.commands, c)
}

// readDocuments reads the items and the délai of #pieces from the text
// after the command word and from the lines below. The block ends at the
// next command line, at the délai line once an item was read, or at a
// blank line unless a bullet or a délai line follows it.
func (p *parser) readDocuments(c *Command, rest string) {
	delayLine := 0
	add := func(lineNo int, line string) (done bool) {
		if isDelayLine(line) {
			if delayLine != 0 {
				p.problem(lineNo, "#pieces : le délai est indiqué deux fois")
			}
			delayLine = lineNo
			days, msg := parseDelay(line)
			if msg != "" {
				p.problem(lineNo, "#pieces : "+msg)
			}
			c.DelayDays = days
			return len(c.Items) > 0
		}
		if item := itemText(line); item != "" {
			c.Items = append(c.Items, item)
		}
		return false
	}

	if rest != "" && add(c.Line, rest) {
		return
	}
	for p.pos < len(p.lines) {
		line := p.lines[p.pos]
		if trimSpace(line) == "" {
			next := p.nextNonBlank(p.pos)
			if next < 0 || !(isBullet(p.lines[next]) || isDelayLine(p.lines[next])) {
				break
			}
			p.pos = next
			continue
		}
		if _, ok := splitCommand(line); ok {
			break
		}
		p.pos++
		if add(p.pos, line) {
			break
		}
	}
	p.checkDocuments(c, delayLine)
}

func (p *parser) checkDocuments(c *Command, delayLine int) {
	switch {
	case len(c.Items) == 0:
		p.problem(c.Line, "#pieces : indiquez au moins une pièce manquante, une par ligne sous la commande")
	case len(c.Items) > maxItems:
		p.problem(c.Line, "#pieces : trop de pièces, au plus 50 par demande")
	}
	if delayLine == 0 {
		p.problem(c.Line, "#pieces : indiquez le délai accordé sur une ligne après les pièces, "+
			"par exemple « délai 15 jours »")
	}
}

// nextNonBlank returns the index of the first non-blank line after i,
// or -1.
func (p *parser) nextNonBlank(i int) int {
	for j := i + 1; j < len(p.lines); j++ {
		if trimSpace(p.lines[j]) != "" {
			return j
		}
	}
	return -1
}

// readText takes the lines after the commands as the reply's text and
// reports a known command written below the first line of text, which
// would otherwise reach the requester as text.
func (p *parser) readText() {
	rest := p.lines[p.pos:]
	for i, line := range rest {
		if isKnownCommand(line) {
			cl, _ := splitCommand(line)
			p.problem(p.pos+i+1, "la commande « #"+cl.word+
				" » doit être écrite en tête de la réponse, avant tout autre texte")
		}
	}
	for len(rest) > 0 && trimSpace(rest[0]) == "" {
		rest = rest[1:]
	}
	for len(rest) > 0 && trimSpace(rest[len(rest)-1]) == "" {
		rest = rest[:len(rest)-1]
	}
	p.text = strings.Join(rest, "\n")
}
