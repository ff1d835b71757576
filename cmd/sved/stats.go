package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

func newStatsCommand(g *globals) *cobra.Command {
	var tenant string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Show per tenant and service: open dossiers by state, delays, implicit decisions, overdue dates",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfigForReading()
			if err != nil {
				return err
			}
			if tenant != "" && cfg.Tenant(tenant) == nil {
				return fmt.Errorf("unknown --tenant %q: no collectivite has that id in %s", tenant, g.configPath)
			}
			r, closeFn, err := openReader(cfg, g)
			if err != nil {
				return err
			}
			defer closeFn()
			list, err := r.list(store.ListFilter{Tenant: tenant})
			if err != nil {
				return err
			}
			rows := computeStats(cfg, list, time.Now())
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			printStats(cmd.OutOrStdout(), rows)
			return nil
		},
	}
	cmd.Flags().StringVar(&tenant, "tenant", "", "only this collectivite id")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	return cmd
}

// statsRow is the figures of one service of one tenant, or of the whole
// tenant when Service is empty.
type statsRow struct {
	Tenant  string `json:"tenant"`
	Service string `json:"service,omitempty"`
	// ByState counts the dossiers in each state.
	ByState map[dossier.State]int `json:"by_state"`
	// ReceivedThisMonth counts the dossiers received since the first
	// day of the current month, in the tenant's zone.
	ReceivedThisMonth int `json:"received_this_month"`
	// Times are in hours from receipt: to the ARE sent, and to the first
	// express answer. Nil when no dossier has one.
	AREMedianHours    *float64 `json:"are_median_hours"`
	AREP90Hours       *float64 `json:"are_p90_hours"`
	AnswerMedianHours *float64 `json:"answer_median_hours"`
	AnswerP90Hours    *float64 `json:"answer_p90_hours"`
	ImplicitDecisions int      `json:"implicit_decisions"`
	// Overdue counts the dossiers with a pending due date before today.
	Overdue int `json:"overdue"`

	toARE, toAnswer []float64
}

// computeStats returns one row per service that has dossiers, each
// tenant's total after its services, in the order of the configuration.
// Dossiers of a tenant or service no longer configured keep their ids.
func computeStats(cfg *config.Config, list []dossier.Dossier, now time.Time) []*statsRow {
	rows := map[[2]string]*statsRow{}
	get := func(tenant, service string) *statsRow {
		k := [2]string{tenant, service}
		if rows[k] == nil {
			rows[k] = &statsRow{Tenant: tenant, Service: service, ByState: map[dossier.State]int{}}
		}
		return rows[k]
	}
	for i := range list {
		d := &list[i]
		loc := time.UTC
		if t := cfg.Tenant(d.Tenant); t != nil && t.Location != nil {
			loc = t.Location
		}
		local := now.In(loc)
		monthStart := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
		today := deadline.DateOf(local)
		for _, r := range []*statsRow{get(d.Tenant, d.Service), get(d.Tenant, "")} {
			r.add(d, monthStart, today)
		}
	}

	var out []*statsRow
	for _, k := range orderedKeys(cfg, rows) {
		r := rows[k]
		r.AREMedianHours, r.AREP90Hours = percentile(r.toARE, 50), percentile(r.toARE, 90)
		r.AnswerMedianHours, r.AnswerP90Hours = percentile(r.toAnswer, 50), percentile(r.toAnswer, 90)
		out = append(out, r)
	}
	return out
}

// add counts d in r.
func (r *statsRow) add(d *dossier.Dossier, monthStart time.Time, today deadline.Date) {
	r.ByState[d.State]++
	if !d.ReceivedAt.Before(monthStart) {
		r.ReceivedThisMonth++
	}
	if !d.ARESentAt.IsZero() {
		r.toARE = append(r.toARE, d.ARESentAt.Sub(d.ReceivedAt).Hours())
	}
	if !d.AnsweredAt.IsZero() {
		r.toAnswer = append(r.toAnswer, d.AnsweredAt.Sub(d.ReceivedAt).Hours())
	}
	if d.State.Implicit() {
		r.ImplicitDecisions++
	}
	due := d.Pending()
	for _, k := range dossier.DueKinds {
		if date := due.Date(k); !date.IsZero() && date.Before(today) {
			r.Overdue++
			break
		}
	}
}

// orderedKeys sorts the rows: tenants and services in configuration
// order, unknown ones after them by id, each tenant's total last.
func orderedKeys(cfg *config.Config, rows map[[2]string]*statsRow) [][2]string {
	rank := map[string]int{}
	for i, t := range cfg.Tenants {
		rank[t.ID] = i
		for j, s := range t.Services {
			rank[t.ID+"\x00"+s.ID] = j
		}
	}
	pos := func(id string) int {
		if n, ok := rank[id]; ok {
			return n
		}
		return math.MaxInt
	}
	keys := make([][2]string, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]string) int {
		if c := cmpRank(pos(a[0]), pos(b[0]), a[0], b[0]); c != 0 {
			return c
		}
		switch {
		case a[1] == "" && b[1] != "":
			return 1
		case a[1] != "" && b[1] == "":
			return -1
		}
		return cmpRank(pos(a[0]+"\x00"+a[1]), pos(b[0]+"\x00"+b[1]), a[1], b[1])
	})
	return keys
}

func cmpRank(ra, rb int, a, b string) int {
	return cmp.Or(cmp.Compare(ra, rb), strings.Compare(a, b))
}

// percentile returns the p-th percentile of values by the nearest-rank
// method, or nil when there are none.
func percentile(values []float64, p int) *float64 {
	if len(values) == 0 {
		return nil
	}
	s := slices.Clone(values)
	slices.Sort(s)
	rank := int(math.Ceil(float64(p) / 100 * float64(len(s))))
	v := s[max(rank, 1)-1]
	return &v
}

// printStats prints the rows as a table, with times in days.
func printStats(out io.Writer, rows []*statsRow) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprint(w, "TENANT\tSERVICE")
	for _, s := range dossier.States {
		fmt.Fprintf(w, "\t%s", s)
	}
	fmt.Fprintln(w, "\tTHIS MONTH\tARE MEDIAN\tARE P90\tANSWER MEDIAN\tANSWER P90\tIMPLICIT\tOVERDUE")
	for _, r := range rows {
		service := r.Service
		if service == "" {
			service = "(total)"
		}
		fmt.Fprintf(w, "%s\t%s", r.Tenant, service)
		for _, s := range dossier.States {
			fmt.Fprintf(w, "\t%d", r.ByState[s])
		}
		fmt.Fprintf(w, "\t%d\t%s\t%s\t%s\t%s\t%d\t%d\n", r.ReceivedThisMonth,
			days(r.AREMedianHours), days(r.AREP90Hours), days(r.AnswerMedianHours), days(r.AnswerP90Hours),
			r.ImplicitDecisions, r.Overdue)
	}
	w.Flush()
	if len(rows) == 0 {
		fmt.Fprintln(out, "no dossiers")
	}
}

// days formats hours as days with one decimal, or "-".
func days(hours *float64) string {
	if hours == nil {
		return "-"
	}
	return strconv.FormatFloat(*hours/24, 'f', 1, 64) + "d"
}
