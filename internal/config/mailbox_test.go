package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// mailboxMap returns a valid mailbox entry for the first base tenant.
func mailboxMap(name string) map[string]any {
	return map[string]any{
		"name":         name,
		"host":         "imap.hebergeur.example",
		"username":     "contact@mairie-saint-exemple.fr",
		"password_env": "SVED_TEST_IMAP_PASSWORD",
		"intake":       "contact@mairie-saint-exemple.fr",
	}
}

func TestMailboxDefaults(t *testing.T) {
	t.Setenv("SVED_TEST_IMAP_PASSWORD", "s3cret")
	m := baseMap(t)
	add(t, m, "collectivites[0].mailboxes", mailboxMap("contact"))
	cfg, err := Parse(marshal(t, m))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	mb := cfg.Tenants[0].Mailboxes[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"tls", mb.TLS, MailboxTLSImplicit},
		{"port", mb.Port, 993},
		{"folder", mb.Folder, "INBOX"},
		{"after", mb.After, AfterNone},
		{"initial", mb.Initial, InitialNew},
		{"poll_interval", mb.PollInterval, time.Minute},
		{"resync_interval", mb.ResyncInterval, 2 * time.Minute},
		{"timeout", mb.Timeout, 60 * time.Second},
		{"max_message_bytes", mb.MaxMessageBytes, int64(DefaultMaxMessageBytes)},
		{"max_attempts", mb.MaxAttempts, DefaultMailboxMaxAttempts},
		{"password", mb.Password, "s3cret"},
		{"address", mb.Address(), "imap.hebergeur.example:993"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestMailboxStartTLSPortAndPaths(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "imap-password"), []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := baseMap(t)
	mb := mailboxMap("contact")
	delete(mb, "password_env")
	mb["password_file"] = "imap-password"
	mb["ca_file"] = "ca.pem"
	mb["tls"] = "starttls"
	mb["after"] = "move:Traités"
	add(t, m, "collectivites[0].mailboxes", mb)
	path := filepath.Join(dir, "sved.yaml")
	if err := os.WriteFile(path, marshal(t, m), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	got := cfg.Tenants[0].Mailboxes[0]
	if got.Port != 143 {
		t.Errorf("port = %d, want 143", got.Port)
	}
	if got.Password != "pw" {
		t.Errorf("password not read from the file relative to the config")
	}
	if got.CAFile != filepath.Join(dir, "ca.pem") {
		t.Errorf("ca_file = %q, want it resolved against %s", got.CAFile, dir)
	}
	if folder, ok := got.MoveFolder(); !ok || folder != "Traités" {
		t.Errorf("MoveFolder() = %q, %v, want Traités, true", folder, ok)
	}
}

func TestMailboxValidation(t *testing.T) {
	t.Setenv("SVED_TEST_IMAP_PASSWORD", "s3cret")
	t.Setenv("SVED_TEST_EMPTY", "")
	const mb = "collectivites[0].mailboxes[0]"
	tests := []struct {
		name  string
		edit  func(m map[string]any)
		paths []string
		msg   string
	}{
		{"missing name", func(m map[string]any) { delete(m, "name") },
			[]string{mb + ".name"}, "missing"},
		{"invalid name", func(m map[string]any) { m["name"] = "Contact Mairie" },
			[]string{mb + ".name"}, "lower-case"},
		{"missing host", func(m map[string]any) { delete(m, "host") },
			[]string{mb + ".host"}, "missing"},
		{"host with port", func(m map[string]any) { m["host"] = "imap.example:993" },
			[]string{mb + ".host"}, "without port"},
		{"port out of range", func(m map[string]any) { m["port"] = 70000 },
			[]string{mb + ".port"}, "invalid port"},
		{"unknown tls", func(m map[string]any) { m["tls"] = "ssl" },
			[]string{mb + ".tls"}, "implicit, starttls, none"},
		{"plain text to remote host", func(m map[string]any) { m["tls"] = "none" },
			[]string{mb + ".tls"}, "only for 127.0.0.1, ::1, localhost"},
		{"missing username", func(m map[string]any) { delete(m, "username") },
			[]string{mb + ".username"}, "missing"},
		{"missing password", func(m map[string]any) { delete(m, "password_env") },
			[]string{mb + ".password_file"}, "missing"},
		{"empty password variable", func(m map[string]any) { m["password_env"] = "SVED_TEST_EMPTY" },
			[]string{mb + ".password_env"}, "SVED_TEST_EMPTY is empty"},
		{"both password sources", func(m map[string]any) { m["password_file"] = "/nonexistent" },
			[]string{mb + ".password_env"}, "only one"},
		{"password in the file", func(m map[string]any) { m["password"] = "s3cret" },
			[]string{mb + ".password"}, "password_file"},
		{"missing intake", func(m map[string]any) { delete(m, "intake") },
			[]string{mb + ".intake"}, "missing"},
		{"intake of another tenant", func(m map[string]any) { m["intake"] = "contact@autre-ville.example" },
			[]string{mb + ".intake"}, "use one of: contact@mairie-saint-exemple.fr, urbanisme@"},
		{"unknown after", func(m map[string]any) { m["after"] = "archive" },
			[]string{mb + ".after"}, "none, seen, move:FOLDER, delete"},
		{"move without folder", func(m map[string]any) { m["after"] = "move:" },
			[]string{mb + ".after"}, "missing folder"},
		{"move into polled folder", func(m map[string]any) { m["after"] = "move:inbox" },
			[]string{mb + ".after"}, "polled"},
		{"unknown initial", func(m map[string]any) { m["initial"] = "unseen" },
			[]string{mb + ".initial"}, "use new or all"},
		{"negative poll interval", func(m map[string]any) { m["poll_interval"] = "-1m" },
			[]string{mb + ".poll_interval"}, "negative"},
		{"bare number interval", func(m map[string]any) { m["resync_interval"] = 60 },
			[]string{mb + ".resync_interval"}, "invalid duration"},
		{"missing ca file", func(m map[string]any) { m["ca_file"] = "/nonexistent/ca.pem" },
			[]string{mb + ".ca_file"}, "cannot read"},
		{"unknown key", func(m map[string]any) { m["idle"] = true },
			[]string{mb + ".idle"}, "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := baseMap(t)
			entry := mailboxMap("contact")
			tc.edit(entry)
			add(t, m, "collectivites[0].mailboxes", entry)
			_, err := Parse(marshal(t, m))
			problems := fieldErrors(t, err)
			var paths []string
			for _, fe := range problems {
				paths = append(paths, fe.Path)
			}
			if !slices.Equal(paths, tc.paths) {
				t.Fatalf("paths = %q, want %q\nerror:\n%v", paths, tc.paths, err)
			}
			if !strings.Contains(problems[0].Message, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", problems[0].Message, tc.msg)
			}
		})
	}
}

func TestMailboxLoopbackWithoutTLS(t *testing.T) {
	t.Setenv("SVED_TEST_IMAP_PASSWORD", "s3cret")
	for _, host := range []string{"127.0.0.1", "::1", "localhost"} {
		m := baseMap(t)
		entry := mailboxMap("contact")
		entry["host"] = host
		entry["tls"] = "none"
		add(t, m, "collectivites[0].mailboxes", entry)
		cfg, err := Parse(marshal(t, m))
		if err != nil {
			t.Errorf("host %s: %v", host, err)
			continue
		}
		if got := cfg.Tenants[0].Mailboxes[0].Port; got != 143 {
			t.Errorf("host %s: port = %d, want 143", host, got)
		}
	}
}

func TestMailboxDuplicateName(t *testing.T) {
	t.Setenv("SVED_TEST_IMAP_PASSWORD", "s3cret")
	m := baseMap(t)
	add(t, m, "collectivites[0].mailboxes", mailboxMap("contact"))
	add(t, m, "collectivites[0].mailboxes", mailboxMap("contact"))
	_, err := Parse(marshal(t, m))
	problems := fieldErrors(t, err)
	want := `collectivites[0].mailboxes[1].name: duplicate mailbox name "contact", already used at collectivites[0].mailboxes[0].name`
	if len(problems) != 1 || problems[0].Error() != want {
		t.Fatalf("problems = %v, want %s", problems, want)
	}
}

func TestMailboxStringHidesPassword(t *testing.T) {
	t.Setenv("SVED_TEST_IMAP_PASSWORD", "s3cret-value")
	m := baseMap(t)
	add(t, m, "collectivites[0].mailboxes", mailboxMap("contact"))
	cfg, err := Parse(marshal(t, m))
	if err != nil {
		t.Fatal(err)
	}
	mb := cfg.Tenants[0].Mailboxes[0]
	for _, s := range []string{mb.String(), fmt.Sprintf("%v", *mb), fmt.Sprintf("%+v", *mb), fmt.Sprintf("%#v", *mb)} {
		if strings.Contains(s, "s3cret-value") {
			t.Errorf("description shows the password: %s", s)
		}
	}
}
