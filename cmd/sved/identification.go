package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sved-project/sved/internal/dossier"
)

// printIdentification prints what a web-form requester entered, and
// nothing for a dossier that came by mail.
func printIdentification(out io.Writer, id dossier.Identification) {
	if id.Form == "" {
		return
	}
	fmt.Fprintf(out, "\nIdentification (form %s):\n", id.Form)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "  %s:\t%s\n", k, strings.ReplaceAll(v, "\n", ", "))
		}
	}
	row("Requester type", string(id.Type))
	row("Last name", id.LastName)
	row("First name", id.FirstName)
	row("Organization", id.Organization)
	row("SIRET", id.SIRET)
	row("RNA", id.RNA)
	row("Postal address", id.PostalAddress)
	row("Email", id.Email)
	row("Phone", id.Phone)
	row("Missing", strings.Join(id.Missing, ", "))
	w.Flush()
}
