package dossier

// RequesterType is the kind of requester a web form declares. It decides
// the identification that article R112-9-1 of the code des relations
// entre le public et l'administration requires.
type RequesterType string

const (
	// RequesterPerson is a private individual: last and first names,
	// postal address and email address identify them.
	RequesterPerson RequesterType = "person"
	// RequesterCompany is a business, identified by its SIRET number.
	RequesterCompany RequesterType = "company"
	// RequesterAssociation is an association, identified by its RNA
	// number (répertoire national des associations).
	RequesterAssociation RequesterType = "association"
)

// RequesterTypes lists every requester type, in the order forms show
// them.
var RequesterTypes = []RequesterType{RequesterPerson, RequesterCompany, RequesterAssociation}

// Valid reports whether t is a known requester type.
func (t RequesterType) Valid() bool {
	for _, k := range RequesterTypes {
		if t == k {
			return true
		}
	}
	return false
}

// Identification is the identity a requester entered on a web form.
// Mail carries only an address, so dossiers from mail have none.
type Identification struct {
	Form          string        `json:"form"` // id of the form
	Type          RequesterType `json:"type"`
	LastName      string        `json:"last_name,omitempty"`
	FirstName     string        `json:"first_name,omitempty"`
	Organization  string        `json:"organization,omitempty"` // company or association name
	SIRET         string        `json:"siret,omitempty"`
	RNA           string        `json:"rna,omitempty"`
	PostalAddress string        `json:"postal_address,omitempty"`
	Email         string        `json:"email,omitempty"`
	Phone         string        `json:"phone,omitempty"`
	// Missing lists the fields, by their form names, that the requester
	// type calls for and that the requester left empty. The commune may
	// ask for them, and the request is valid meanwhile.
	Missing []string `json:"missing,omitempty"`
}

// MissingFields returns the identification fields that the requester
// type calls for and that are empty, by their form names. An
// individual needs last and first names, a postal address and an email
// address; a company its SIRET number; an association its RNA number.
func (id *Identification) MissingFields() []string {
	var missing []string
	need := func(name, value string) {
		if value == "" {
			missing = append(missing, name)
		}
	}
	switch id.Type {
	case RequesterCompany:
		need("siret", id.SIRET)
	case RequesterAssociation:
		need("rna", id.RNA)
	default:
		need("last_name", id.LastName)
		need("first_name", id.FirstName)
		need("postal_address", id.PostalAddress)
		need("email", id.Email)
	}
	return missing
}
