package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/notify"
)

func newAttestationCommand(g *globals) *cobra.Command {
	var html bool
	cmd := &cobra.Command{
		Use:   "attestation REF",
		Short: "Print the attestation of implicit acceptance (CRPA L232-3) of a dossier",
		Long: "Print the attestation of implicit acceptance (CRPA L232-3) of a dossier in state " +
			"accord_implicite, dated today, as text or, with --html, as an HTML page to print or send.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, det, err := loadDossier(g, args[0])
			if err != nil {
				return err
			}
			d := &det.Dossier
			t := cfg.Tenant(d.Tenant)
			if t == nil {
				return fmt.Errorf("dossier %s belongs to collectivite %q, which %s no longer has", d.Ref, d.Tenant, g.configPath)
			}
			if d.State != dossier.StateImplicitAccord {
				return fmt.Errorf("no attestation for %s: it is in state %s; only a dossier in state %s has one",
					d.Ref, d.State, dossier.StateImplicitAccord)
			}
			renderer, err := notify.New(cfg.Hostname, "")
			if err != nil {
				return err
			}
			letter, err := renderer.AttestationLetter(t, d, t.Service(d.Service), time.Now())
			if err != nil {
				return err
			}
			if html {
				fmt.Fprint(cmd.OutOrStdout(), letter.HTML)
			} else {
				fmt.Fprint(cmd.OutOrStdout(), letter.Text)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&html, "html", false, "print the HTML version")
	return cmd
}
