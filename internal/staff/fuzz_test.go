package staff

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"Bonjour",
		"#enregistrer\n\nBonjour",
		"#refuser doublon",
		"#pièces\n- plan\n\n- acte\ndélai 15 jours\nMerci",
		"#transmettre a@b.example.fr<mailto:a@b.example.fr> motif",
		"#service urbanisme\n#nature permis\n#note x\n\ntexte",
		"#note\ntexte",
		"# CLORE\r\nfin",
		"#attestation",
		"#foo\n#refuser\n#pieces\ndélai 999 jours",
		"\u00a0#Pièces : plan\ndélai: 3 j",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := Parse(text)
		lines := len(splitLines(text))
		if err != nil {
			checkParseError(t, err, r, lines)
			return
		}
		checkReply(t, r, lines)
		again, err := Parse(r.String())
		if err != nil {
			t.Fatalf("Parse(%q) of the formatted reply: %v", r.String(), err)
		}
		if !sameReply(r, again) {
			t.Fatalf("round trip gave %#v, want %#v", again, r)
		}
	})
}

func checkParseError(t *testing.T, err error, r *Reply, lines int) {
	t.Helper()
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	if r != nil {
		t.Fatalf("a reply came with the error: %#v", r)
	}
	if len(perr.Problems) == 0 {
		t.Fatal("ParseError without problems")
	}
	for _, p := range perr.Problems {
		if p.Line < 1 || p.Line > lines || p.Message == "" {
			t.Fatalf("problem %+v outside the %d lines or empty", p, lines)
		}
	}
}

func checkReply(t *testing.T, r *Reply, lines int) {
	t.Helper()
	seen := map[Kind]bool{}
	letters := 0
	for _, c := range r.Commands {
		if _, ok := canonical[c.Kind]; !ok || seen[c.Kind] {
			t.Fatalf("kind %v unknown or repeated", c.Kind)
		}
		seen[c.Kind] = true
		if c.Kind.WritesToRequester() {
			letters++
		}
		if c.Line < 1 || c.Line > lines {
			t.Fatalf("command line %d outside the %d lines", c.Line, lines)
		}
		checkArguments(t, c)
	}
	if letters > 1 && !(letters == 2 && seen[KindRegister] && seen[KindDocuments]) {
		t.Fatalf("%d commands write to the requester", letters)
	}
	for _, line := range strings.Split(r.Text, "\n") {
		if isKnownCommand(line) {
			t.Fatalf("text line %q is a command", line)
		}
	}
}

func checkArguments(t *testing.T, c Command) {
	t.Helper()
	switch c.Kind {
	case KindRefuse:
		if c.Reason == "" {
			t.Fatal("#refuser without reason")
		}
	case KindTransfer:
		if a, err := mail.ParseAddress(c.Address); err != nil || a.Address != c.Address {
			t.Fatalf("#transmettre address %q invalid", c.Address)
		}
	case KindService, KindNature:
		if !idPattern.MatchString(c.ID) {
			t.Fatalf("id %q invalid", c.ID)
		}
	case KindDocuments:
		if len(c.Items) == 0 || len(c.Items) > maxItems || c.DelayDays < 1 || c.DelayDays > MaxDelayDays {
			t.Fatalf("#pieces with %d items and %d days", len(c.Items), c.DelayDays)
		}
	}
}
