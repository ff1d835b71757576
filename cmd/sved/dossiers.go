package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/control"
	"github.com/sved-project/sved/internal/deadline"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

func newDossiersCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dossiers",
		Short: "List and show stored dossiers",
	}
	var filter struct {
		state, tenant, dueBefore string
		kinds                    []string
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List dossiers, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			state := dossier.State(filter.state)
			if state != "" && !state.Valid() {
				return fmt.Errorf("invalid --state %q: use one of %s", filter.state, stateNames())
			}
			cfg, err := g.loadConfigForReading()
			if err != nil {
				return err
			}
			if filter.tenant != "" && cfg.Tenant(filter.tenant) == nil {
				return fmt.Errorf("unknown --tenant %q: no collectivite has that id in %s", filter.tenant, g.configPath)
			}
			r, closeFn, err := openReader(cfg, g)
			if err != nil {
				return err
			}
			defer closeFn()
			if filter.dueBefore != "" {
				return listDue(cmd.OutOrStdout(), cfg, r, filter.dueBefore, filter.kinds, filter.tenant, state)
			}
			list, err := r.list(store.ListFilter{Tenant: filter.tenant, State: state})
			if err != nil {
				return err
			}
			printList(cmd.OutOrStdout(), cfg, list)
			return nil
		},
	}
	list.Flags().StringVar(&filter.state, "state", "", "only dossiers in this state ("+stateNames()+")")
	list.Flags().StringVar(&filter.tenant, "tenant", "", "only dossiers of this collectivite id")
	list.Flags().StringVar(&filter.dueBefore, "due-before", "",
		"list the due dates before this day (YYYY-MM-DD), earliest first, instead of the dossiers")
	list.Flags().StringSliceVar(&filter.kinds, "kind", nil,
		"with --due-before, only these due kinds ("+dueKindNames()+")")

	show := &cobra.Command{
		Use:   "show REF",
		Short: "Show a dossier: metadata, attachments, journal and mails",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, d, err := loadDossier(g, args[0])
			if err != nil {
				return err
			}
			printDetails(cmd.OutOrStdout(), cfg, d)
			return nil
		},
	}
	cmd.AddCommand(list, show, newAttestationCommand(g))
	return cmd
}

func stateNames() string {
	names := make([]string, len(dossier.States))
	for i, s := range dossier.States {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// reader reads dossiers from the store file or the running daemon.
type reader struct {
	list    func(store.ListFilter) ([]dossier.Dossier, error)
	details func(ref string) (*control.Details, error)
	due     func(date deadline.Date, kinds ...dossier.DueKind) ([]store.DueItem, error)
}

func dialDaemon(cfg *config.Config) (*control.Client, bool) {
	c, err := control.Dial(filepath.Join(cfg.DataDir, control.SocketName))
	return c, err == nil
}

func openReader(cfg *config.Config, g *globals) (*reader, func(), error) {
	if c, ok := dialDaemon(cfg); ok {
		return &reader{list: c.List, details: c.Details, due: c.DueBefore}, func() {}, nil
	}
	log, err := g.logger()
	if err != nil {
		return nil, nil, err
	}
	path := storePath(cfg)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("no store at %s: check data_dir in %s, or start sved serve once", path, g.configPath)
	}
	st, err := openStore(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	r := &reader{
		list:    st.List,
		due:     st.DueBefore,
		details: func(ref string) (*control.Details, error) { return control.LoadDetails(st, ref) },
	}
	return r, func() { st.Close() }, nil
}

// loadDossier reads the dossier whose reference is ref, in any case,
// from the running daemon or the store file.
func loadDossier(g *globals, ref string) (*config.Config, *control.Details, error) {
	cfg, err := g.loadConfigForReading()
	if err != nil {
		return nil, nil, err
	}
	r, closeFn, err := openReader(cfg, g)
	if err != nil {
		return nil, nil, err
	}
	defer closeFn()
	d, err := r.details(strings.ToUpper(strings.TrimSpace(ref)))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, fmt.Errorf("dossier %s not found", ref)
	}
	if err != nil {
		return nil, nil, err
	}
	return cfg, d, nil
}

// localTime formats t in the tenant's zone.
func localTime(cfg *config.Config, tenant string, t time.Time) string {
	if tt := cfg.Tenant(tenant); tt != nil && tt.Location != nil {
		t = t.In(tt.Location)
	}
	return t.Format("2006-01-02 15:04:05 MST")
}

func printList(out io.Writer, cfg *config.Config, list []dossier.Dossier) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "REF\tSTATE\tRECEIVED\tSERVICE\tREQUESTER\tSUBJECT\tREASON")
	for _, d := range list {
		requester := d.Requester.Addr
		if requester == "" {
			requester = "(unknown)"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Ref, d.State, localTime(cfg, d.Tenant, d.ReceivedAt),
			d.Service, requester, clip(d.Subject, 50), clip(d.Reason, 60))
	}
	w.Flush()
	fmt.Fprintln(out, countNoun(len(list), "dossier", "dossiers"))
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func printDetails(out io.Writer, cfg *config.Config, det *control.Details) {
	d := det.Dossier
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s:\t%s\n", k, v)
		}
	}
	row("Reference", d.Ref)
	row("Tenant", d.Tenant)
	row("State", string(d.State))
	row("Reason", d.Reason)
	row("Received", localTime(cfg, d.Tenant, d.ReceivedAt))
	row("Channel", string(d.Channel))
	row("Remote", d.Remote)
	row("Envelope from", orNull(d.EnvelopeFrom))
	row("Recipients", strings.Join(d.Recipients, ", "))
	row("Requester", orUnknown(d.Requester.String()))
	row("Subject", d.Subject)
	row("Service", d.Service)
	row("Nature", orValue(d.Nature, "(to be qualified)"))
	row("Regime", orValue(string(d.Regime), "(to be qualified)"))
	row("Delai", orValue(d.Delai.String(), "(none)"))
	row("AEE due", orValue(d.AEEDue.String(), "(none)")+sentNote(cfg, d.Tenant, d.AEESentAt))
	row("ARE due", orValue(d.AREDue.String(), "(none)")+sentNote(cfg, d.Tenant, d.ARESentAt))
	decision := orValue(d.ImplicitDecision.String(), "(none)")
	if !d.DecidedAt.IsZero() {
		decision += ", born (recorded " + localTime(cfg, d.Tenant, d.DecidedAt) + ")"
	}
	row("Implicit decision", decision)
	for _, p := range d.Pieces {
		row("Pieces requested", fmt.Sprintf("%s, granted %s, received %s", p.Requested, p.Granted,
			orValue(p.Received.String(), "(not yet)")))
	}
	row("Message-ID", d.MessageID)
	row("Reply address", d.ReplyAddress)
	row("Raw message", fmt.Sprintf("%d bytes, SHA-256 %s", d.RawSize, d.RawSHA256))
	w.Flush()
	printIdentification(out, d.Identification)

	section(out, "Warnings", len(d.Warnings))
	for _, s := range d.Warnings {
		fmt.Fprintf(out, "  - %s\n", s)
	}
	section(out, "Attachments", len(d.Attachments))
	for _, a := range d.Attachments {
		inline := ""
		if a.Inline {
			inline = " (inline)"
		}
		fmt.Fprintf(out, "  - %s%s, %s, %d bytes, SHA-256 %s\n", a.FileName, inline, a.ContentType, a.Size, a.SHA256)
	}
	section(out, "Further messages", len(det.Messages))
	for _, m := range det.Messages {
		fmt.Fprintf(out, "  %d. from %s: %s (%d bytes)\n", m.N, orUnknown(m.From), m.Subject, m.Size)
		for _, a := range m.Attachments {
			fmt.Fprintf(out, "     - %s, %s, %d bytes, SHA-256 %s\n", a.FileName, a.ContentType, a.Size, a.SHA256)
		}
	}
	section(out, "Journal", len(det.Journal))
	chain := "hash chain valid"
	if err := dossier.VerifyChain(det.Journal); err != nil {
		chain = "HASH CHAIN BROKEN: " + err.Error()
	}
	for _, e := range det.Journal {
		fmt.Fprintf(out, "  %3d  %s  %-14s %-10s %s%s\n", e.Seq, localTime(cfg, d.Tenant, e.At), e.Kind, e.Actor,
			e.Text, formatFields(e.Fields))
	}
	if len(det.Journal) > 0 {
		fmt.Fprintf(out, "  (%s)\n", chain)
	}
	section(out, "Mails", len(det.Mails))
	for _, m := range det.Mails {
		fmt.Fprintf(out, "  - %s to %s: %s, %s, Message-ID <%s>", m.Kind, strings.Join(m.Recipients, ", "),
			m.Status, countNoun(m.Attempts, "attempt", "attempts"), m.MessageID)
		if m.LastError != "" {
			fmt.Fprintf(out, ", last error: %s", m.LastError)
		}
		fmt.Fprintln(out)
	}
}

// sentNote returns when a letter went out, or "" while it is due.
func sentNote(cfg *config.Config, tenant string, at time.Time) string {
	if at.IsZero() {
		return ""
	}
	return ", sent " + localTime(cfg, tenant, at)
}

func section(out io.Writer, title string, n int) {
	if n > 0 {
		fmt.Fprintf(out, "\n%s (%d):\n", title, n)
	}
}

func formatFields(f map[string]string) string {
	if len(f) == 0 {
		return ""
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+f[k])
	}
	return " " + strings.Join(parts, " ")
}

func orValue(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func orNull(s string) string {
	if s == "" {
		return "<> (null sender)"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// countNoun formats n with the singular or plural noun.
func countNoun(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return fmt.Sprintf("%d %s", n, plural)
}
