package staff

import (
	"strconv"
	"strings"
)

// Problem is one error in the commands of a staff reply.
type Problem struct {
	// Line is the 1-based line of the parsed text the problem is on.
	Line int
	// Message is a French sentence for the staff member, which may quote
	// what they wrote.
	Message string
}

// String formats the problem as "ligne N : message".
func (p Problem) String() string {
	return "ligne " + strconv.Itoa(p.Line) + " : " + p.Message
}

// ParseError is the error Parse returns for a reply whose commands
// cannot be obeyed. Its messages are in French because they are meant
// for the staff member, and they may quote the reply: log the error's
// count, not its text.
type ParseError struct {
	Problems []Problem
}

// Error returns every problem on one line, in French.
func (e *ParseError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "invalid staff commands: " + strings.Join(parts, " ; ")
}

// Explain returns the French text of the answer to a staff member whose
// reply had problems: what happened, each problem on its own line, then
// Help.
func (e *ParseError) Explain() string {
	var b strings.Builder
	b.WriteString("Votre réponse n'a pas été traitée : rien n'a été envoyé au demandeur ")
	b.WriteString("et le dossier n'a pas changé.\n\n")
	if len(e.Problems) == 1 {
		b.WriteString("Le problème :\n")
	} else {
		b.WriteString("Les problèmes :\n")
	}
	for _, p := range e.Problems {
		b.WriteString("  - " + p.String() + "\n")
	}
	b.WriteString("\nCorrigez la réponse et renvoyez-la.\n\n")
	b.WriteString(Help())
	return b.String()
}

// helpLines documents each command in one French line, in Kinds order.
var helpLines = map[Kind]string{
	KindRegister: "#enregistrer (ou #accepter) : enregistre la demande et envoie " +
		"l'accusé de réception au demandeur.",
	KindRefuse: "#refuser MOTIF : refuse la demande (hors compétence, abusive, " +
		"en double…) ; le motif est envoyé au demandeur.",
	KindDocuments: "#pieces, puis une pièce manquante par ligne, puis « délai N jours » : " +
		"demande les pièces manquantes au demandeur.",
	KindTransfer: "#transmettre ADRESSE [MOTIF] : transmet le dossier complet à l'autorité " +
		"compétente et en informe le demandeur.",
	KindService: "#service ID : confie le dossier à un autre service, qui le reçoit aussitôt.",
	KindNature:  "#nature ID : change la nature de la demande (et donc son délai et son régime).",
	KindNote:    "#note TEXTE : ajoute au dossier une note interne, jamais envoyée au demandeur.",
	KindClose: "#clore : clôt le dossier après une réponse expresse ; le texte " +
		"qui suit la commande est envoyé au demandeur.",
	KindAttestation: "#attestation : envoie au demandeur l'attestation d'acceptation " +
		"implicite (article L232-3 du CRPA), une fois le délai échu.",
}

// Help returns the French help on the command language: the general
// rules, then one line per command.
func Help() string {
	var b strings.Builder
	b.WriteString("Commandes (sur les premières lignes de votre réponse, une par ligne ; ")
	b.WriteString("accents et majuscules sans importance) :\n")
	for _, k := range Kinds {
		b.WriteString("  " + helpLines[k] + "\n")
	}
	b.WriteString("\nLe texte écrit sous les commandes est envoyé au demandeur, ")
	b.WriteString("sauf si la réponse ne porte que #service, #nature ou #note.\n")
	b.WriteString("Une réponse sans commande est transmise telle quelle au demandeur.\n")
	b.WriteString("Une seule commande par réponse peut écrire au demandeur, ")
	b.WriteString("sauf #enregistrer avec #pieces.\n")
	return b.String()
}
