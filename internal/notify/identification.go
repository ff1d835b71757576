package notify

import (
	"time"

	"github.com/sved-project/sved/internal/deadline"
)

// identificationLabels names the identification fields of a web form in
// French, by their form names.
var identificationLabels = map[string]string{
	"last_name":      "votre nom",
	"first_name":     "votre prénom",
	"postal_address": "votre adresse postale",
	"email":          "votre adresse électronique",
	"siret":          "le numéro SIRET de l'entreprise",
	"rna":            "le numéro RNA de l'association",
}

// identificationLabel returns the French name of an identification
// field, or the form name itself when it has none.
func identificationLabel(field string) string {
	if label, ok := identificationLabels[field]; ok {
		return label
	}
	return field
}

// missingIdentification returns the French names of the missing
// identification fields.
func missingIdentification(fields []string) []string {
	var labels []string
	for _, f := range fields {
		labels = append(labels, identificationLabel(f))
	}
	return labels
}

// ReceiptTime formats an instant of receipt for the public, in loc: the
// date ("vendredi 4 décembre 2026"), the time of day ("15 h 42") and the
// name of the zone ("heure de Paris"), as the letters write them.
func ReceiptTime(at time.Time, loc *time.Location) (date, clock, zone string) {
	at = at.In(loc)
	return frenchDate(at), frenchTime(at), timeZoneLabel(loc)
}

// CivilDate formats a day as the letters write it, like "vendredi 18
// décembre 2026".
func CivilDate(d deadline.Date) string {
	return frenchCivilDate(d)
}
