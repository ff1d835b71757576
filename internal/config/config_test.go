package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadExample(t *testing.T) {
	cfg, err := Load("../../config.example.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(cfg.Tenants) != 1 {
		t.Fatalf("tenants = %d, want 1", len(cfg.Tenants))
	}
	tenant := cfg.Tenant("saint-exemple")
	if tenant == nil {
		t.Fatal(`Tenant("saint-exemple") = nil`)
	}
	if tenant.Location == nil || tenant.Location.String() != "Europe/Paris" {
		t.Errorf("Location = %v, want Europe/Paris", tenant.Location)
	}
	if got := tenant.ServiceFor(tenant.Intake[1]); got == nil || got.ID != "urbanisme" {
		t.Errorf("ServiceFor(urbanisme intake) = %v", got)
	}
	if got := tenant.FromAddress(); got.Addr != "contact@mairie-saint-exemple.fr" {
		t.Errorf("FromAddress = %v", got)
	}
	for _, s := range tenant.Services {
		if s.Phone == "" || s.Postal == "" || s.Head == "" {
			t.Errorf("service %s lacks phone, postal address or head", s.ID)
		}
	}
	wantDir, _ := filepath.Abs("../../data")
	if cfg.DataDir != wantDir {
		t.Errorf("DataDir = %q, want %q", cfg.DataDir, wantDir)
	}
}

func TestParseDefaults(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	cwd, _ := os.Getwd()

	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", cfg.DataDir, filepath.Join(cwd, "data")},
		{"listen", cfg.SMTP.Listen, "127.0.0.1:2525"},
		{"max_message_bytes", cfg.SMTP.MaxMessageBytes, int64(25 << 20)},
		{"max_recipients", cfg.SMTP.MaxRecipients, 50},
		{"max_line_length", cfg.SMTP.MaxLineLength, 1 << 20},
		{"max_connections_per_ip", cfg.SMTP.MaxConnectionsPerIP, 20},
		{"session_timeout", cfg.SMTP.SessionTimeout, 10 * time.Minute},
		{"max_inflight_bytes", cfg.SMTP.MaxInflightBytes, int64(50 << 20)},
		{"read_timeout", cfg.SMTP.ReadTimeout, 60 * time.Second},
		{"write_timeout", cfg.SMTP.WriteTimeout, 60 * time.Second},
		{"max_connections", cfg.SMTP.MaxConnections, 200},
		{"transport", cfg.Outbound.Transport, "dir:" + filepath.Join(cwd, "data", "outbox")},
		{"starttls", cfg.Outbound.StartTLS, "opportunistic"},
		{"retry_interval", cfg.Outbound.RetryInterval, 5 * time.Minute},
		{"max_attempts", cfg.Outbound.MaxAttempts, 20},
		{"timeout", cfg.Outbound.Timeout, 60 * time.Second},
		{"time_zone", cfg.Tenants[0].TimeZone, "Europe/Paris"},
		{"location", cfg.Tenants[0].Location.String(), "Europe/Paris"},
		{"other time_zone", cfg.Tenants[1].Location.String(), "America/Cayenne"},
		{"separator", cfg.Tenants[0].Reply.Separator, "+"},
		{"delai", cfg.Tenants[0].Natures[0].Delai, "2m"},
		{"set delai", cfg.Tenants[0].Natures[2].Delai, "1m"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if cfg.Hostname == "" {
		t.Error("hostname is empty")
	}
}

func TestParseKeepsSetValues(t *testing.T) {
	cfg := mustParse(t, baseYAML+`
data_dir: /var/lib/sved
hostname: MX.Example.fr
smtp:
  listen: "[::1]:0"
  max_message_bytes: 1048576
  read_timeout: 2m30s
outbound:
  transport: smtp://127.0.0.1:2526
  starttls: required
`)
	if cfg.DataDir != "/var/lib/sved" {
		t.Errorf("DataDir = %q", cfg.DataDir)
	}
	if cfg.SMTP.Listen != "[::1]:0" {
		t.Errorf("Listen = %q", cfg.SMTP.Listen)
	}
	if cfg.SMTP.MaxMessageBytes != 1<<20 {
		t.Errorf("MaxMessageBytes = %d", cfg.SMTP.MaxMessageBytes)
	}
	if cfg.SMTP.ReadTimeout != 150*time.Second {
		t.Errorf("ReadTimeout = %v", cfg.SMTP.ReadTimeout)
	}
	if relay, ok := cfg.Outbound.Relay(); !ok || relay != "127.0.0.1:2526" {
		t.Errorf("Relay() = %q, %v", relay, ok)
	}
	if _, ok := cfg.Outbound.Dir(); ok {
		t.Error("Dir() ok for an smtp transport")
	}
	if cfg.Outbound.StartTLS != "required" {
		t.Errorf("StartTLS = %q", cfg.Outbound.StartTLS)
	}
}

func TestLoadResolvesAgainstFileFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sved.yaml")
	data := baseYAML + "data_dir: state\noutbound:\n  transport: dir:mail/out\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if want := filepath.Join(dir, "state"); cfg.DataDir != want {
		t.Errorf("DataDir = %q, want %q", cfg.DataDir, want)
	}
	if got, _ := cfg.Outbound.Dir(); got != filepath.Join(dir, "mail", "out") {
		t.Errorf("Dir() = %q", got)
	}
}

func TestLoadErrorsNameFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	invalid := write("invalid.yaml", "smtp:\n  listen: nowhere\n")
	syntax := write("syntax.yaml", "collectivites: [\n")
	missing := filepath.Join(dir, "missing.yaml")

	_, err := Load(invalid)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("invalid file: error %T, want *ValidationError", err)
	}
	if verr.File != invalid {
		t.Errorf("File = %q, want %q", verr.File, invalid)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.HasPrefix(line, invalid+": ") {
			t.Errorf("line %q does not start with the file name", line)
		}
	}

	for _, path := range []string{syntax, missing} {
		_, err := Load(path)
		if err == nil {
			t.Fatalf("Load(%s) succeeded", path)
		}
		if errors.As(err, &verr) {
			t.Errorf("Load(%s) returned a ValidationError: %v", path, err)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name %s", err, path)
		}
	}
}

func TestParseCaseInsensitiveKeys(t *testing.T) {
	cfg := mustParse(t, baseYAML+"SMTP:\n  Listen: 127.0.0.1:2600\n")
	if cfg.SMTP.Listen != "127.0.0.1:2600" {
		t.Errorf("Listen = %q", cfg.SMTP.Listen)
	}
}
