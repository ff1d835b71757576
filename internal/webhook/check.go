package webhook

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
)

// maxLineRunes bounds single-line fields such as names; the postal
// address, the message and the subject have their own bounds.
const (
	maxLineRunes    = 200
	maxPostalRunes  = 1000
	maxSubjectRunes = 250
)

var (
	rnaPattern   = regexp.MustCompile(`^W[0-9A-Z]{9}$`)
	phonePattern = regexp.MustCompile(`^[0-9+() .-]{6,30}$`)
)

// checker collects the invalid fields of one submission.
type checker struct {
	form *config.Form
	in   *input
	errs []fieldError
}

func (c *checker) fail(field, format string, args ...any) {
	c.errs = append(c.errs, fieldError{Field: field, Detail: fmt.Sprintf(format, args...)})
}

// text returns a field cleaned of surrounding white space, with CRLF
// turned into LF, after checking that it is UTF-8 without control
// characters, within maxRunes, and present when the form requires it.
func (c *checker) text(field string, maxRunes int, multiline bool) string {
	v := strings.TrimSpace(strings.ReplaceAll(c.in.fields[field], "\r\n", "\n"))
	switch {
	case !utf8.ValidString(v):
		c.fail(field, "Caractères illisibles : le texte doit être en UTF-8.")
		return ""
	case hasControl(v, multiline):
		c.fail(field, "Caractères de contrôle interdits.")
		return ""
	case utf8.RuneCountInString(v) > maxRunes:
		c.fail(field, "Texte trop long : %d caractères au plus.", maxRunes)
		return ""
	case v == "" && c.form.IsRequired(field):
		c.fail(field, "Champ obligatoire.")
	}
	return v
}

func hasControl(s string, multiline bool) bool {
	for _, r := range s {
		if (r == '\n' || r == '\t') && multiline {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// check turns a decoded input into a submission of form f of tenant t,
// or returns a 400 problem naming every invalid field.
func check(t *config.Tenant, f *config.Form, in *input) (*intake.FormSubmission, *problem) {
	c := &checker{form: f, in: in}
	id := c.identification()
	s := &intake.FormSubmission{
		Tenant:         t,
		Form:           f,
		Identification: id,
		Nature:         c.nature(t),
		Subject:        c.text("subject", maxSubjectRunes, false),
		Message:        c.text("message", maxMessageBytes, true),
	}
	s.Attachments = c.attachments()
	if len(c.errs) > 0 {
		return nil, invalid(c.errs...)
	}
	return s, nil
}

func (c *checker) identification() dossier.Identification {
	id := dossier.Identification{
		Type:          dossier.RequesterType(c.text("requester_type", maxLineRunes, false)),
		LastName:      c.text("last_name", maxLineRunes, false),
		FirstName:     c.text("first_name", maxLineRunes, false),
		Organization:  c.text("organization", maxLineRunes, false),
		PostalAddress: c.text("postal_address", maxPostalRunes, true),
		Email:         c.email(),
		Phone:         c.text("phone", maxLineRunes, false),
		SIRET:         c.siret(),
		RNA:           c.rna(),
	}
	if id.Type == "" {
		id.Type = dossier.RequesterPerson
	}
	if !id.Type.Valid() {
		c.fail("requester_type", "Valeur inconnue %q ; choisissez person, company ou association.", id.Type)
	}
	if id.Phone != "" && !phonePattern.MatchString(id.Phone) {
		c.fail("phone", "Numéro de téléphone invalide.")
	}
	return id
}

func (c *checker) email() string {
	v := c.text("email", maxLineRunes, false)
	if v == "" {
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.LastIndexByte(v, '@')+1:], ".") {
		c.fail("email", "Adresse électronique invalide ; écrivez-la comme prenom.nom@exemple.fr.")
		return ""
	}
	return v
}

// siret returns the SIRET number without spaces after checking its 14
// digits and its Luhn key. Establishments of La Poste (SIREN 356000000)
// may instead have a sum of digits that is a multiple of 5.
func (c *checker) siret() string {
	v := strings.ReplaceAll(c.text("siret", maxLineRunes, false), " ", "")
	if v == "" {
		return ""
	}
	ok := len(v) == 14 && strings.Trim(v, "0123456789") == "" &&
		(luhnValid(v) || strings.HasPrefix(v, "356000000") && digitSum(v)%5 == 0)
	if !ok {
		c.fail("siret", "Numéro SIRET invalide : 14 chiffres sont attendus, clé de contrôle comprise.")
		return ""
	}
	return v
}

func digitSum(s string) int {
	sum := 0
	for i := range len(s) {
		sum += int(s[i] - '0')
	}
	return sum
}

// luhnValid checks the Luhn key of a string of digits.
func luhnValid(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// rna returns the RNA number in upper case: W and nine digits or
// letters (the département code may hold a letter, as 2A).
func (c *checker) rna() string {
	v := strings.ToUpper(strings.ReplaceAll(c.text("rna", maxLineRunes, false), " ", ""))
	if v != "" && !rnaPattern.MatchString(v) {
		c.fail("rna", "Numéro RNA invalide : W suivi de neuf caractères est attendu, comme W751234567.")
		return ""
	}
	return v
}

// nature returns the nature chosen among the form's. With one nature,
// it is the default; with several, the requester must choose.
func (c *checker) nature(t *config.Tenant) *config.Nature {
	v := c.text("nature", maxLineRunes, false)
	switch {
	case v == "" && len(c.form.Natures) == 1:
		v = c.form.Natures[0]
	case v == "" && len(c.form.Natures) > 1:
		if !c.form.IsRequired("nature") {
			c.fail("nature", "Choisissez la nature de votre demande.")
		}
		return nil
	case v == "":
		return nil
	}
	for _, id := range c.form.Natures {
		if id == v {
			return t.Nature(id)
		}
	}
	c.fail("nature", "Nature inconnue %q ; choisissez parmi : %s.", v, strings.Join(c.form.Natures, ", "))
	return nil
}
