package webhook

import (
	"fmt"
	"strings"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
)

// fieldLabels names the fields of a submission in French, as the form
// page labels them; the error summary uses them too.
var fieldLabels = map[string]string{
	"requester_type":  "Vous êtes",
	"last_name":       "Nom",
	"first_name":      "Prénom",
	"organization":    "Nom de l'entreprise ou de l'association",
	"siret":           "Numéro SIRET",
	"rna":             "Numéro RNA",
	"postal_address":  "Adresse postale",
	"email":           "Adresse électronique",
	"phone":           "Téléphone",
	"nature":          "Nature de la demande",
	"subject":         "Objet",
	"message":         "Votre message",
	fieldAttachments:  "Pièces jointes",
	fieldToken:        "Formulaire",
	fieldHoneypot:     "Champ à laisser vide",
	"body":            "Formulaire",
	headerIdempotency: "Formulaire",
}

// option is one choice of a select or a group of radio buttons.
type option struct {
	Value    string
	Label    string
	Selected bool
}

// pageError is one entry of the error summary. ID is the id of the
// input it links to.
type pageError struct {
	Field  string
	ID     string
	Label  string
	Detail string
}

// formPage is the data of the form page.
type formPage struct {
	Tenant   string
	Title    string
	Action   string // URL the form posts to
	Token    string
	Honeypot string // name of the honeypot field

	Values   map[string]string // the requester's input, by field
	Required map[string]bool
	Errors   []pageError
	// FieldErrors gives the message of each invalid field by field name.
	FieldErrors map[string]string
	// FilesLost is true when the requester had attached files that
	// must be attached again, since a browser cannot keep them.
	FilesLost bool

	Natures        []option
	RequesterTypes []option

	AcceptTypes  string // value of the file input's accept attribute
	AllowedTypes string // French list for the help text, like "PDF, JPEG, PNG"
	MaxFiles     int
	MaxFileSize  string // like "10 Mo"
}

// newFormPage returns the data of the form page. token is the form
// token to keep (after an error) or "" for a new one; in is the
// previous submission or nil.
func (s *Server) newFormPage(t *config.Tenant, f *config.Form, token string, in *input) *formPage {
	if token == "" {
		token = issueToken(s.opts.TokenKey, f.ID, s.now())
	}
	values := map[string]string{}
	if in != nil {
		for k, v := range in.fields {
			if k != fieldToken && k != fieldHoneypot {
				values[k] = v
			}
		}
	}
	page := &formPage{
		Tenant:       t.Name,
		Title:        formTitle(f),
		Action:       "/v1/forms/" + f.ID,
		Token:        token,
		Honeypot:     fieldHoneypot,
		Values:       values,
		Required:     map[string]bool{},
		FieldErrors:  map[string]string{},
		MaxFiles:     f.Attachments.MaxFiles,
		MaxFileSize:  frenchBytes(f.Attachments.MaxFileBytes),
		AcceptTypes:  strings.Join(f.Attachments.AllowedTypes, ","),
		AllowedTypes: typeNames(f.Attachments.AllowedTypes),
	}
	for _, r := range f.Required {
		page.Required[r] = true
	}
	if len(f.Natures) > 1 {
		page.Required["nature"] = true
	}
	for _, id := range f.Natures {
		if n := t.Nature(id); n != nil {
			page.Natures = append(page.Natures, option{Value: n.ID, Label: n.Label, Selected: values["nature"] == n.ID})
		}
	}
	chosen := values["requester_type"]
	if chosen == "" {
		chosen = string(dossier.RequesterPerson)
	}
	for _, rt := range dossier.RequesterTypes {
		page.RequesterTypes = append(page.RequesterTypes,
			option{Value: string(rt), Label: requesterTypeLabel(rt), Selected: chosen == string(rt)})
	}
	return page
}

// setErrors fills the error summary and the message of each field.
func (page *formPage) setErrors(errs []fieldError, in *input) {
	for _, e := range errs {
		field, _, _ := strings.Cut(e.Field, "[")
		id := "champ-" + field
		if field == fieldToken || field == "body" || field == headerIdempotency || field == fieldHoneypot {
			id = "envoyer"
		}
		label := fieldLabels[field]
		if label == "" {
			label = field
		}
		page.Errors = append(page.Errors, pageError{Field: field, ID: id, Label: label, Detail: e.Detail})
		if prev := page.FieldErrors[field]; prev != "" {
			page.FieldErrors[field] = prev + " " + e.Detail
		} else {
			page.FieldErrors[field] = e.Detail
		}
	}
	page.FilesLost = in != nil && len(in.files) > 0
}

func requesterTypeLabel(t dossier.RequesterType) string {
	switch t {
	case dossier.RequesterCompany:
		return "Une entreprise"
	case dossier.RequesterAssociation:
		return "Une association"
	}
	return "Un particulier"
}

// frenchBytes formats a size limit like "10 Mo" or "512 ko".
func frenchBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d Mo", n>>20)
	case n >= 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f Mo", float64(n)/(1<<20)), ".", ",", 1)
	case n >= 1<<10:
		return fmt.Sprintf("%d ko", n>>10)
	}
	return fmt.Sprintf("%d octets", n)
}

// typeNames names media types for the public, like "PDF, JPEG, PNG".
func typeNames(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		_, sub, _ := strings.Cut(t, "/")
		names[i] = strings.ToUpper(strings.TrimPrefix(sub, "x-"))
	}
	return strings.Join(names, ", ")
}
