package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/message"
)

type ingestOptions struct {
	to   []string
	from string
}

func newIngestCommand(g *globals) *cobra.Command {
	o := &ingestOptions{}
	cmd := &cobra.Command{
		Use:   "ingest FILE|DIR...",
		Short: "Run .eml files through the intake pipeline, as if they had arrived by SMTP",
		Long: `Run .eml files through the intake pipeline, as if they had arrived by SMTP.

Folders are walked for *.eml files. Without --to, the recipients are the
addresses of Delivered-To, X-Original-To, To and Cc that sved serves.
Without --from, the envelope sender is the Return-Path header, else the
From address.

When sved serve runs on the same data folder, the files go through it
and its outbound worker sends the mails at once; otherwise they are
stored directly and the mails wait for the next sved serve.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			log, err := g.logger()
			if err != nil {
				return err
			}
			cfg, err := g.loadConfigForReading()
			if err != nil {
				return err
			}
			files, err := collectFiles(args)
			if err != nil {
				return err
			}
			return runIngest(cmd.OutOrStdout(), cmd.ErrOrStderr(), cfg, log, files, o)
		},
	}
	cmd.Flags().StringArrayVar(&o.to, "to", nil, "recipient address (repeatable); default: from the headers")
	cmd.Flags().StringVar(&o.from, "from", "", "envelope sender; default: Return-Path, else From")
	return cmd
}

// collectFiles expands folders into their .eml files, sorted by path.
func collectFiles(args []string) ([]string, error) {
	var files []string
	for _, arg := range args {
		info, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			files = append(files, arg)
			continue
		}
		var found []string
		err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(path), ".eml") {
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %s: %w", arg, err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s contains no .eml file", arg)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// deliverFunc sends one envelope through the pipeline, directly or over
// the control socket.
type deliverFunc func(env *intake.Envelope) ([]intake.Result, error)

func runIngest(out, progress io.Writer, cfg *config.Config, log *slog.Logger, files []string, o *ingestOptions) error {
	deliver, closeFn, err := openDeliverer(cfg, log)
	if err != nil {
		return err
	}
	defer closeFn()

	failed := 0
	for i, path := range files {
		if len(files) > 1 {
			fmt.Fprintf(progress, "[%d/%d] %s\n", i+1, len(files), path)
		}
		if err := ingestFile(out, cfg, deliver, path, o); err != nil {
			failed++
			fmt.Fprintf(out, "%s: %v\n", path, err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files were not ingested", failed, len(files))
	}
	return nil
}

func ingestFile(out io.Writer, cfg *config.Config, deliver deliverFunc, path string, o *ingestOptions) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m := message.Parse(raw)
	env := &intake.Envelope{
		Channel:    dossier.ChannelIngest,
		Remote:     "file " + path,
		From:       envelopeSender(m, o.from),
		Recipients: o.to,
		Raw:        raw,
	}
	if len(env.Recipients) == 0 {
		env.Recipients = servedRecipients(cfg, m)
	}
	if len(env.Recipients) == 0 {
		return errors.New("no recipient in Delivered-To, X-Original-To, To or Cc is an address sved serves; name one with --to")
	}
	results, err := deliver(env)
	if err != nil {
		return err
	}
	for _, r := range results {
		status := "created"
		switch {
		case r.Added:
			status = "added to the dossier"
		case !r.Created:
			status = "already stored"
		}
		fmt.Fprintf(out, "%s: %s %s (%s)\n", path, r.Ref, r.State, status)
	}
	return nil
}

// envelopeSender returns the explicit sender, else the Return-Path, else
// the From address.
func envelopeSender(m *message.Message, explicit string) string {
	if explicit != "" {
		return explicit
	}
	if rp := m.Header["Return-Path"]; len(rp) > 0 {
		return strings.Trim(strings.TrimSpace(rp[0]), "<>")
	}
	return m.Sender.Addr
}

// servedRecipients lists the addresses of the delivery headers and To and
// Cc that the configuration serves.
func servedRecipients(cfg *config.Config, m *message.Message) []string {
	var candidates []string
	for _, h := range []string{"Delivered-To", "X-Original-To"} {
		for _, v := range m.Header[h] {
			candidates = append(candidates, strings.Trim(strings.TrimSpace(v), "<>"))
		}
	}
	for _, a := range append(append([]dossier.Address(nil), m.To...), m.Cc...) {
		candidates = append(candidates, a.Addr)
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range candidates {
		key := strings.ToLower(c)
		if _, ok := cfg.MatchRecipient(c); ok && !seen[key] {
			seen[key] = true
			out = append(out, c)
		}
	}
	return out
}

// openDeliverer uses the running daemon when there is one, else opens the
// store itself.
func openDeliverer(cfg *config.Config, log *slog.Logger) (deliverFunc, func(), error) {
	if client, ok := dialDaemon(cfg); ok {
		return func(env *intake.Envelope) ([]intake.Result, error) {
			return client.Ingest(env.From, env.Recipients, env.Raw)
		}, func() {}, nil
	}
	st, err := openStore(cfg, log)
	if err != nil {
		return nil, nil, err
	}
	svc, err := buildServices(func() *config.Config { return cfg }, st, log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	deliver := func(env *intake.Envelope) ([]intake.Result, error) {
		return svc.pipeline.Deliver(context.Background(), env)
	}
	return deliver, func() { st.Close() }, nil
}
