package intake

import (
	"fmt"
	"strings"
	"time"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
)

// requesterTypeLabels names the requester types in French.
var requesterTypeLabels = map[dossier.RequesterType]string{
	dossier.RequesterPerson:      "particulier",
	dossier.RequesterCompany:     "entreprise",
	dossier.RequesterAssociation: "association",
}

// composeForm writes a submission as an RFC 5322 message: the
// requester in From, the subject, a French text that lists the
// identification, the form, the nature chosen and the client address,
// then the message, and the attachments as parts. A Received field
// records the client address and the instant, as a mail relay would.
func composeForm(hostname string, s *FormSubmission, id *dossier.Identification, now time.Time) ([]byte, error) {
	from := dossier.Address{Name: requesterName(id), Addr: formSender(dossier.Address{Addr: id.Email}, s.Form)}
	to := s.Tenant.FromAddress()
	if to.Addr == "" {
		return nil, fmt.Errorf("tenant %s has no from address", s.Tenant.ID)
	}
	out := &message.Outgoing{
		From:        from,
		To:          []dossier.Address{to},
		Subject:     s.Subject,
		Text:        formText(s, id),
		Attachments: s.Attachments,
		MessageID:   message.NewMessageID(hostname),
		Date:        now,
		Headers: map[string]string{
			"Received": fmt.Sprintf("from [%s] by %s (sved) with HTTP; %s",
				s.Remote, hostnameOr(hostname), now.Format(time.RFC1123Z)),
			"X-Sved-Form": s.Form.ID,
		},
	}
	return message.Compose(out)
}

func hostnameOr(hostname string) string {
	if hostname == "" {
		return "localhost"
	}
	return hostname
}

// formText is the text of the composed message. Staff read it in the
// forward, so it is French.
func formText(s *FormSubmission, id *dossier.Identification) string {
	var b strings.Builder
	title := s.Form.Title
	if title == "" {
		title = s.Form.ID
	}
	fmt.Fprintf(&b, "Demande déposée sur le formulaire en ligne « %s » (%s).\n", title, s.Form.ID)
	if n := s.Nature; n != nil {
		fmt.Fprintf(&b, "Nature choisie : %s (%s)\n", n.Label, n.ID)
	}
	b.WriteString("\n")

	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s : %s\n", label, value)
		}
	}
	line("Demandeur", requesterTypeLabels[id.Type])
	line("Nom", id.LastName)
	line("Prénom", id.FirstName)
	line("Organisme", id.Organization)
	line("SIRET", id.SIRET)
	line("RNA", id.RNA)
	if id.PostalAddress != "" {
		fmt.Fprintf(&b, "Adresse postale :\n  %s\n", strings.ReplaceAll(id.PostalAddress, "\n", "\n  "))
	}
	line("Courriel", id.Email)
	line("Téléphone", id.Phone)
	line("Adresse IP", s.Remote)
	if len(id.Missing) > 0 {
		fmt.Fprintf(&b, "Identification incomplète, champs manquants : %s\n", strings.Join(id.Missing, ", "))
	}

	b.WriteString("\nMessage :\n\n")
	b.WriteString(s.Message)
	if !strings.HasSuffix(s.Message, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
