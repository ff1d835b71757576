// Package staff reads the replies that staff send to a dossier: the
// commands at their top, the text they wrote without the quoted
// history, whether their sender is authenticated, and whether a machine
// sent them. It stores nothing and opens no connection.
//
// # Replying to a dossier
//
// Staff reply, from their usual mail client, to the forward that sved
// sent to their service. A reply without any command is relayed to the
// requester as it is: the text the staff member wrote, signature and
// attachments included, without the quoted forward and with internal
// addresses hidden.
//
// To move the dossier through its legal states, write one or more
// commands on the first lines of the reply, one per line, then a blank
// line, then the message for the requester:
//
//	#pieces
//	- justificatif de domicile de moins de trois mois
//	- copie de la pièce d'identité
//	délai 15 jours
//
//	Bonjour Madame,
//	pour instruire votre demande, merci de nous adresser les pièces ci-dessus.
//
// # Commands
//
//	#enregistrer              registers the request and sends the legal receipt (ARE)
//	#refuser MOTIF            rejects the request; the reason goes to the requester
//	#pieces                   asks for missing documents: one item per line below,
//	                          then "délai N jours" (1 to 365 calendar days)
//	#transmettre ADRESSE [MOTIF]
//	                          sends the whole dossier to the competent authority
//	                          at ADRESSE and tells the requester
//	#service ID               routes the dossier to another service, which gets the forward
//	#nature ID                changes the kind of request (and so its délai and regime)
//	#note TEXTE               adds an internal note, never sent to the requester
//	#clore                    closes the dossier after an express answer
//	#attestation              sends the attestation of implicit acceptance
//	                          (article L232-3 of the CRPA) once it is reached
//
// Aliases: #accepter for #enregistrer, #piece for #pieces, #transferer
// for #transmettre, #cloturer for #clore.
//
// # Writing commands
//
//   - A command line starts with "#" and the command word. Case and
//     accents do not matter (#Pièces, #PIECES and #pieces are the same
//     command), and a space after "#" or a colon after the word is
//     allowed ("# refuser : doublon").
//   - Commands come first. Blank lines before and between them are
//     skipped; the first other line starts the message. A known command
//     written further down is an error, so that it never reaches the
//     requester as text. A line such as "#1" or "#MaVille" below the
//     message is ordinary text.
//   - #refuser needs its reason on the same line. #transmettre needs an
//     address right after the word (bare, in angle brackets, or as
//     Outlook writes it, "adr@example.fr<mailto:adr@example.fr>"),
//     then an optional reason. #service and #nature take one id as the
//     configuration spells it; "Urbanisme" and "État-civil" are read as
//     "urbanisme" and "etat-civil".
//   - #pieces takes one item per line, with or without a bullet ("-",
//     "*", "•", "1.", "2)"), and the délai on its own line: "délai 15
//     jours", "Délai : 15 j", "délai de 15 jours". An item may also
//     follow the word on the command line. The list ends at the délai
//     line once an item was read, at the next command, or at a blank
//     line that no bullet or délai line follows.
//   - #enregistrer, #clore and #attestation take no argument.
//   - #note takes its text on the same line. In a reply that carries only
//     #service, #nature or #note, the whole message is internal and
//     "#note" may stand alone above it.
//
// # What reaches the requester
//
// #enregistrer, #refuser, #pieces, #transmettre and #attestation each
// send the requester a letter, and the message below the commands, if
// any, goes with it. #clore sends the message below it as the express
// answer; written alone, it closes the dossier and sends nothing. A
// reply may carry only one of these six commands, except #enregistrer
// with #pieces: the receipt then lists the missing documents, as
// article L114-5 of the CRPA allows.
//
// #service, #nature and #note write nothing to the requester. A reply
// that carries only these commands is internal: its message is kept in
// the dossier and, after #service, shown to the new service. They
// combine with each other and with a letter, except that #transmettre,
// which sends the dossier out of the authority, excludes #service and
// #nature. Each command may appear once per reply.
//
// # Mistakes
//
// When a command is unknown, malformed or not allowed with another,
// nothing is sent to the requester and the dossier does not change.
// Parse returns a *ParseError whose Explain method gives the French
// answer for the staff member: each problem with its line number, then
// the list of commands.
//
// # Processing a reply
//
// A caller treats a reply to a dossier in this order:
//
//  1. AutoReply: a reply sent by a machine (out-of-office, delivery
//     report) is stored and neither relayed nor obeyed.
//  2. Authenticate: a From address that is not a staff address, or
//     whose verdict is VerdictFail, is not staff. Such a reply is stored
//     and reported, never relayed, never obeyed.
//  3. TrimQuoted on the text body, then Parse on the result.
//  4. A plain reply is relayed as TrimQuoted text and TrimQuotedHTML
//     HTML, each passed through Redact or RedactHTML to hide the
//     internal addresses that the caller names. A reply with commands
//     sends a letter that carries Reply.Text only, because its HTML body
//     still holds the command lines.
package staff
