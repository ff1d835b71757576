package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
)

func dueKindNames() string {
	names := make([]string, len(dossier.DueKinds))
	for i, k := range dossier.DueKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// listDue prints the due dates before the day before, filtered by kind,
// tenant and state.
func listDue(out io.Writer, cfg *config.Config, r *reader, before string, kindNames []string,
	tenant string, state dossier.State) error {
	date, err := deadline.ParseDate(before)
	if err != nil {
		return fmt.Errorf("invalid --due-before %q: write the day as YYYY-MM-DD", before)
	}
	kinds := make([]dossier.DueKind, len(kindNames))
	for i, name := range kindNames {
		kinds[i] = dossier.DueKind(strings.ToLower(strings.TrimSpace(name)))
		if !kinds[i].Valid() {
			return fmt.Errorf("invalid --kind %q: use one of %s", name, dueKindNames())
		}
	}
	items, err := r.due(date, kinds...)
	if err != nil {
		return err
	}

	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "DUE\tKIND\tREF\tSTATE\tRECEIVED\tSERVICE\tNATURE\tSUBJECT")
	n := 0
	for _, it := range items {
		d := it.Dossier
		if (tenant != "" && d.Tenant != tenant) || (state != "" && d.State != state) {
			continue
		}
		n++
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Date, it.Kind, d.Ref, d.State,
			localTime(cfg, d.Tenant, d.ReceivedAt), d.Service, orValue(d.Nature, "-"), clip(d.Subject, 50))
	}
	w.Flush()
	fmt.Fprintln(out, countNoun(n, "due date", "due dates"))
	return nil
}
