// Command sved is the mail-intake gateway for French local authorities:
// it receives written requests from the public over SMTP, stores each as a
// dossier, acknowledges it and forwards it to the service in charge.
package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/sved-project/sved/internal/config"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "sved:", err)
		os.Exit(1)
	}
}

// globals are the flags every command shares.
type globals struct {
	configPath string
	logFormat  string
	logLevel   string
	// defaultLevel applies when --log-level is not given.
	defaultLevel slog.Level
}

func newRootCommand() *cobra.Command {
	g := &globals{defaultLevel: slog.LevelWarn}
	root := &cobra.Command{
		Use:           "sved",
		Short:         "Mail-intake gateway for written requests to French local authorities",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVarP(&g.configPath, "config", "c", "config.yaml", "configuration file (YAML)")
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "",
		"log level: debug, info, warn or error (default info for serve, warn for the other commands)")

	root.AddCommand(
		newServeCommand(g),
		newCheckConfigCommand(g),
		newIngestCommand(g),
		newDossiersCommand(g),
		newStatsCommand(g),
	)
	return root
}

// logger builds the process logger on standard error.
func (g *globals) logger() (*slog.Logger, error) {
	level := g.defaultLevel
	if g.logLevel != "" {
		if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
			return nil, fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", g.logLevel)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("invalid --log-format %q: use text or json", g.logFormat)
}

// loadConfig reads and validates the configuration file.
func (g *globals) loadConfig() (*config.Config, error) {
	return config.Load(g.configPath)
}

// loadConfigForReading loads the configuration without its secrets, for
// the commands that read or feed the store but send no mail and serve
// no form: they run without the daemon's environment.
func (g *globals) loadConfigForReading() (*config.Config, error) {
	return config.LoadWithoutSecrets(g.configPath)
}
