package staff

import (
	"net/mail"
	"strings"
)

// parseTransfer reads the arguments of #transmettre: an address, written
// bare, in angle brackets, as a mailto: link or in the Outlook form
// "addr<mailto:addr>", then an optional reason. It returns the addr-spec,
// the reason and a problem in French.
func parseTransfer(rest string) (addr, reason, problem string) {
	if rest == "" {
		return "", "", "#transmettre : indiquez l'adresse de l'autorité compétente, " +
			"par exemple « #transmettre urbanisme@agglo.example.fr »"
	}
	token, after := cutToken(rest)
	candidate := strings.TrimPrefix(token, "<")
	candidate = strings.TrimSuffix(candidate, ">")
	if i := strings.Index(candidate, "<mailto:"); i > 0 {
		candidate = candidate[:i]
	}
	candidate = strings.TrimPrefix(candidate, "mailto:")
	candidate = strings.TrimRight(candidate, ",;.")

	parsed, err := mail.ParseAddress(candidate)
	// An address that net/mail rewrites (quoted local part, comment) is
	// rejected, so that the address acted on is the one written.
	if err != nil || parsed.Name != "" || parsed.Address != candidate {
		return "", "", "#transmettre : adresse invalide « " + token +
			" » ; écrivez l'adresse seule juste après la commande, par exemple " +
			"« #transmettre urbanisme@agglo.example.fr »"
	}
	if _, domain, _ := strings.Cut(parsed.Address, "@"); !strings.Contains(domain, ".") {
		return "", "", "#transmettre : l'adresse « " + parsed.Address + " » n'a pas de nom de domaine complet"
	}
	return parsed.Address, trimSeparators(after), ""
}

// cutToken splits s at its first white space.
func cutToken(s string) (token, rest string) {
	s = trimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u00a0' })
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// parseID reads the id argument of #service or #nature and returns it
// normalized, or a problem in French.
func parseID(k Kind, rest string) (id, problem string) {
	name := "#" + k.String()
	what := "du service"
	example := "urbanisme"
	if k == KindNature {
		what = "de la nature"
		example = "acte-naissance"
	}
	if rest == "" {
		return "", name + " : indiquez l'identifiant " + what + ", par exemple « " + name + " " + example + " »"
	}
	token, after := cutToken(rest)
	if trimSpace(after) != "" {
		return "", name + " : un seul identifiant est attendu, sans espace, au lieu de « " + rest + " »"
	}
	id = normalizeID(token)
	if !idPattern.MatchString(id) {
		return "", name + " : identifiant invalide « " + token +
			" » ; un identifiant s'écrit en lettres, chiffres et tirets, comme dans la configuration"
	}
	return id, ""
}

// checkCombination reports the commands that may not stand together:
// a kind written twice, more than one command that writes to the
// requester (except #enregistrer with #pieces), #transmettre with
// #service or #nature, and a #note without text.
func (p *parser) checkCombination() {
	seen := map[Kind]bool{}
	var letters []Command
	for _, c := range p.commands {
		if seen[c.Kind] {
			p.problem(c.Line, "la commande #"+c.Kind.String()+" est écrite deux fois")
		}
		seen[c.Kind] = true
		if c.Kind.WritesToRequester() {
			letters = append(letters, c)
		}
	}
	if len(letters) > 1 && !(len(letters) == 2 && seen[KindRegister] && seen[KindDocuments]) {
		names := make([]string, len(letters))
		for i, c := range letters {
			names[i] = "#" + c.Kind.String()
		}
		p.problem(letters[1].Line, "une réponse ne peut porter qu'une commande qui écrit au demandeur, "+
			"sauf #enregistrer avec #pieces ; ici : "+strings.Join(names, ", "))
	}
	if seen[KindTransfer] && (seen[KindService] || seen[KindNature]) {
		c, _ := (&Reply{Commands: p.commands}).Command(KindTransfer)
		p.problem(c.Line, "#transmettre envoie le dossier hors de la collectivité : "+
			"il ne se combine pas avec #service ni #nature")
	}
	p.checkNote(len(letters) == 0)
}

// checkNote reports a #note without text on its line, unless the reply
// is internal and has text below, which then is the note.
func (p *parser) checkNote(internal bool) {
	for _, c := range p.commands {
		if c.Kind != KindNote || c.Note != "" {
			continue
		}
		if !internal || p.text == "" {
			p.problem(c.Line, "#note : écrivez le texte de la note sur la même ligne, "+
				"par exemple « #note demandeur rappelé le 3 mars »")
		}
	}
}
