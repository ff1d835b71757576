package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/notify"
)

func newCheckConfigCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Validate the configuration file and print every problem with its path",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			r, err := notify.New(cfg.Hostname, "")
			if err != nil {
				return err
			}
			if err := r.LoadTenants(cfg); err != nil {
				return fmt.Errorf("%s: %w", g.configPath, err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: valid\n", g.configPath)
			for _, t := range cfg.Tenants {
				fmt.Fprintf(out, "  %s (%s): %d intake addresses, %d services, %d natures, time zone %s\n",
					t.ID, t.Name, len(t.Intake), len(t.Services), len(t.Natures), t.TimeZone)
				for _, mb := range t.Mailboxes {
					fmt.Fprintf(out, "    imap mailbox %s: %s, tls %s, folder %s, for %s, after %s\n",
						mb.Name, mb.Address(), mb.TLS, mb.Folder, mb.Intake, mb.After)
				}
			}
			fmt.Fprintf(out, "  smtp: %s, outbound: %s\n", cfg.SMTP.Listen, cfg.Outbound.Transport)
			for _, w := range cfg.Warnings() {
				fmt.Fprintf(out, "warning: %s: %s\n", w.Path, w.Message)
			}
			return nil
		},
	}
}
