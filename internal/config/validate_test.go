package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBaseConfigValid(t *testing.T) {
	if _, err := Parse(marshal(t, baseMap(t))); err != nil {
		t.Fatalf("base config: %v", err)
	}
}

// TestValidationRules checks that each rule reports its problem at the
// exact path, and reports nothing else.
func TestValidationRules(t *testing.T) {
	dir := t.TempDir()
	notAFile := filepath.Join(dir, "folder")
	if err := os.Mkdir(notAFile, 0o700); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	for _, name := range []string{"cert.pem", "key.pem"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("PEM"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("SVED_TEST_EMPTY", "")

	const t0 = "collectivites[0]"
	const t1 = "collectivites[1]"
	tests := []struct {
		name  string
		edit  func(t *testing.T, m map[string]any)
		paths []string // every path reported, in order
		msg   string   // contained in the first problem's message
	}{
		{"no tenants", func(t *testing.T, m map[string]any) { del(t, m, "collectivites") },
			[]string{"collectivites"}, "missing"},
		{"empty tenant entry", func(t *testing.T, m map[string]any) { add(t, m, "collectivites", nil) },
			[]string{"collectivites[2]"}, "empty entry"},
		{"duplicate tenant id", func(t *testing.T, m map[string]any) { set(t, m, t1+".id", "saint-exemple") },
			[]string{t1 + ".id"}, `duplicate id "saint-exemple", already used at collectivites[0].id`},
		{"invalid tenant id", func(t *testing.T, m map[string]any) { set(t, m, t0+".id", "Saint Exemple") },
			[]string{t0 + ".id"}, "lower-case"},
		{"missing tenant name", func(t *testing.T, m map[string]any) { del(t, m, t0+".name") },
			[]string{t0 + ".name"}, "missing"},
		{"control character in name", func(t *testing.T, m map[string]any) { set(t, m, t0+".name", "Mairie\r\nBcc: x") },
			[]string{t0 + ".name"}, "control character"},
		{"duplicate prefix", func(t *testing.T, m map[string]any) { set(t, m, t1+".prefix", "SAINTEX") },
			[]string{t1 + ".prefix"}, "duplicate prefix"},
		{"lower-case prefix", func(t *testing.T, m map[string]any) { set(t, m, t0+".prefix", "saintex") },
			[]string{t0 + ".prefix"}, "2 to 12 capital letters"},
		{"long prefix", func(t *testing.T, m map[string]any) { set(t, m, t0+".prefix", "SAINTEXEMPLE01") },
			[]string{t0 + ".prefix"}, "invalid prefix"},
		{"short prefix", func(t *testing.T, m map[string]any) { set(t, m, t0+".prefix", "S") },
			[]string{t0 + ".prefix"}, "invalid prefix"},
		{"missing prefix", func(t *testing.T, m map[string]any) { del(t, m, t0+".prefix") },
			[]string{t0 + ".prefix"}, "missing"},
		{"unknown time zone", func(t *testing.T, m map[string]any) { set(t, m, t0+".time_zone", "Europe/Lutece") },
			[]string{t0 + ".time_zone"}, `invalid time zone "Europe/Lutece"`},
		{"local time zone", func(t *testing.T, m map[string]any) { set(t, m, t0+".time_zone", "Local") },
			[]string{t0 + ".time_zone"}, "IANA"},
		{"missing intake", func(t *testing.T, m map[string]any) { del(t, m, t0+".intake") },
			[]string{t0 + ".intake"}, "missing"},
		{"invalid intake address", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".intake[1].address", "urbanisme.mairie-saint-exemple.fr")
		}, []string{t0 + ".intake[1].address"}, "missing @domain"},
		{"intake with display name", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".intake[0].address", "Mairie <contact@mairie-saint-exemple.fr>")
		}, []string{t0 + ".intake[0].address"}, "bare address"},
		{"intake address literal", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".intake[0].address", "contact@[192.0.2.1]")
		}, []string{t0 + ".intake[0].address"}, "address literals"},
		{"duplicate intake in tenant", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".intake[1].address", "Contact@Mairie-Saint-Exemple.FR")
		}, []string{t0 + ".intake[1].address"}, "already used at collectivites[0].intake[0].address"},
		{"duplicate intake quoted", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".intake[1].address", `"contact"@mairie-saint-exemple.fr`)
		}, []string{t0 + ".intake[1].address"}, "duplicate intake address"},
		{"duplicate intake across tenants", func(t *testing.T, m map[string]any) {
			set(t, m, t1+".intake[0].address", "contact@mairie-saint-exemple.fr")
		}, []string{t1 + ".intake[0].address"}, "already used at collectivites[0].intake[0].address"},
		{"duplicate intake IDN", func(t *testing.T, m map[string]any) {
			add(t, m, t1+".intake", map[string]any{"address": "MAIRIE@xn--bcher-kva.example"})
		}, []string{t1 + ".intake[2].address"}, "duplicate intake address"},
		{"unknown intake service", func(t *testing.T, m map[string]any) { set(t, m, t0+".intake[0].service", "urba") },
			[]string{t0 + ".intake[0].service"}, `unknown service "urba"; use one of: accueil, etat-civil, urbanisme`},
		{"missing from", func(t *testing.T, m map[string]any) { del(t, m, t0+".from") },
			[]string{t0 + ".from"}, "missing"},
		{"invalid from", func(t *testing.T, m map[string]any) { set(t, m, t0+".from", "Mairie <contact>") },
			[]string{t0 + ".from"}, "invalid address"},
		{"from address literal", func(t *testing.T, m map[string]any) { set(t, m, t0+".from", "Mairie <contact@[192.0.2.1]>") },
			[]string{t0 + ".from"}, "invalid address"},
		{"missing reply", func(t *testing.T, m map[string]any) { del(t, m, t0+".reply") },
			[]string{t0 + ".reply"}, "set domain"},
		{"both reply forms", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".reply.sub_address", "contact@mairie-saint-exemple.fr")
		}, []string{t0 + ".reply"}, "only one of domain and sub_address"},
		{"reply domain is intake domain", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".reply.domain", "Mairie-Saint-Exemple.fr")
		}, []string{t0 + ".reply.domain"}, "also has intake addresses"},
		{"reply domain is other tenant intake domain", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".reply.domain", "autre-ville.example")
		}, []string{t0 + ".reply.domain"}, "dedicated domain"},
		{"invalid reply domain", func(t *testing.T, m map[string]any) { set(t, m, t0+".reply.domain", "reponse_mairie.fr") },
			[]string{t0 + ".reply.domain"}, "invalid domain"},
		{"duplicate reply domain", func(t *testing.T, m map[string]any) {
			set(t, m, t1+".reply", map[string]any{"domain": "reponse.mairie-saint-exemple.fr"})
		}, []string{t1 + ".reply.domain"}, "duplicate reply domain"},
		{"invalid sub_address", func(t *testing.T, m map[string]any) { set(t, m, t1+".reply.sub_address", "contact") },
			[]string{t1 + ".reply.sub_address"}, "invalid address"},
		{"invalid separator", func(t *testing.T, m map[string]any) { set(t, m, t1+".reply.separator", "x") },
			[]string{t1 + ".reply.separator"}, `invalid separator "x"`},
		{"duplicate sub_address", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".reply", map[string]any{"sub_address": "CONTACT@autre-ville.example"})
		}, []string{t1 + ".reply.sub_address"}, "duplicate sub_address"},
		{"invalid staff address", func(t *testing.T, m map[string]any) { set(t, m, t0+".staff[1]", "agent") },
			[]string{t0 + ".staff[1]"}, "write an address or @domain"},
		{"invalid staff domain", func(t *testing.T, m map[string]any) { set(t, m, t0+".staff[0]", "@mairie saint.fr") },
			[]string{t0 + ".staff[0]"}, "invalid domain entry"},
		{"missing services", func(t *testing.T, m map[string]any) {
			del(t, m, t1+".services")
			del(t, m, t1+".default_service")
		}, []string{t1 + ".services"}, "at least one service"},
		{"duplicate service id", func(t *testing.T, m map[string]any) { set(t, m, t0+".services[1].id", "accueil") },
			// etat-civil disappears, so the nature that names it fails too.
			[]string{t0 + ".services[1].id", t0 + ".natures[1].service"}, "duplicate service id"},
		{"missing service name", func(t *testing.T, m map[string]any) { del(t, m, t0+".services[2].name") },
			[]string{t0 + ".services[2].name"}, "missing"},
		{"invalid service mailbox", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".services[0].mailbox", "accueil@@mairie-saint-exemple.fr")
		}, []string{t0 + ".services[0].mailbox"}, "invalid address"},
		{"missing service mailbox", func(t *testing.T, m map[string]any) { del(t, m, t0+".services[0].mailbox") },
			[]string{t0 + ".services[0].mailbox"}, "missing"},
		{"service mailbox is intake", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".services[2].mailbox", "URBANISME@mairie-saint-exemple.fr")
		}, []string{t0 + ".services[2].mailbox"}, "forwards would loop"},
		{"service mailbox is reply address", func(t *testing.T, m map[string]any) {
			set(t, m, t1+".services[0].mailbox", "contact-abcdefghijklmnop@autre-ville.example")
		}, []string{t1 + ".services[0].mailbox"}, "forwards would loop"},
		{"unknown default service", func(t *testing.T, m map[string]any) { set(t, m, t1+".default_service", "mairie") },
			[]string{t1 + ".default_service"}, `unknown service "mairie"; use one of: accueil, secretariat`},
		{"duplicate nature id", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[2].id", "info") },
			[]string{t0 + ".natures[2].id"}, "duplicate nature id"},
		{"missing nature label", func(t *testing.T, m map[string]any) { del(t, m, t0+".natures[0].label") },
			[]string{t0 + ".natures[0].label"}, "missing"},
		{"unknown nature service", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[2].service", "urba") },
			[]string{t0 + ".natures[2].service"}, `unknown service "urba"; use one of: accueil, etat-civil, urbanisme`},
		{"missing nature service", func(t *testing.T, m map[string]any) { del(t, m, t0+".natures[2].service") },
			[]string{t0 + ".natures[2].service"}, "missing; use one of"},
		{"invalid regime", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[1].regime", "refus") },
			[]string{t0 + ".natures[1].regime"}, `invalid regime "refus"; use one of: accord, rejet, aucun`},
		{"missing regime", func(t *testing.T, m map[string]any) { del(t, m, t0+".natures[1].regime") },
			[]string{t0 + ".natures[1].regime"}, "missing"},
		{"delai in words", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[2].delai", "2 mois") },
			[]string{t0 + ".natures[2].delai"}, `invalid délai "2 mois"`},
		{"delai zero", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[2].delai", "0m") },
			[]string{t0 + ".natures[2].delai"}, "invalid délai"},
		{"delai in years", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[2].delai", "1y") },
			[]string{t0 + ".natures[2].delai"}, "invalid délai"},
		{"delai as number", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[2].delai", 2) },
			[]string{t0 + ".natures[2].delai"}, "put the value in quotes"},
		{"invalid hostname", func(t *testing.T, m map[string]any) { m["hostname"] = "mx.example.fr\r\n" },
			[]string{"hostname"}, "invalid host name"},
		{"listen without port", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"listen": "localhost"}
		}, []string{"smtp.listen"}, `invalid address "localhost"; write it as host:port`},
		{"listen port out of range", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"listen": "127.0.0.1:65536"}
		}, []string{"smtp.listen"}, "host:port"},
		{"negative message size", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"max_message_bytes": -1}
		}, []string{"smtp.max_message_bytes"}, "must not be negative"},
		{"inflight below message size", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"max_message_bytes": 2048, "max_inflight_bytes": 1024}
		}, []string{"smtp.max_inflight_bytes"}, "below max_message_bytes"},
		{"bad session timeout", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"session_timeout": "forever"}
		}, []string{"smtp.session_timeout"}, "invalid duration"},
		{"negative sizes", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"max_recipients": -1, "max_line_length": -2, "max_connections": -3}
			m["outbound"] = map[string]any{"max_attempts": -4}
		}, []string{"smtp.max_recipients", "smtp.max_line_length", "smtp.max_connections", "outbound.max_attempts"},
			"must not be negative, got -1"},
		{"duration in words", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"read_timeout": "5 minutes"}
		}, []string{"smtp.read_timeout"}, `invalid duration "5 minutes"; write it like 60s or 5m`},
		{"duration without unit", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"timeout": 60}
		}, []string{"outbound.timeout"}, `invalid duration "60"`},
		{"negative duration", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"write_timeout": "-5s"}
			m["outbound"] = map[string]any{"retry_interval": "-1m"}
		}, []string{"smtp.write_timeout", "outbound.retry_interval"}, "must not be negative"},
		{"unknown transport", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"transport": "ftp://127.0.0.1:21"}
		}, []string{"outbound.transport"}, "use dir:PATH to write .eml files or smtp://host:port"},
		{"relay without port", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"transport": "smtp://127.0.0.1"}
		}, []string{"outbound.transport"}, "invalid transport"},
		{"relay with user", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"transport": "smtp://sved:secret@127.0.0.1:25"}
		}, []string{"outbound.transport"}, "invalid transport"},
		{"empty dir transport", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"transport": "dir:"}
		}, []string{"outbound.transport"}, "invalid transport"},
		{"invalid starttls", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"starttls": "yes"}
		}, []string{"outbound.starttls"}, `invalid value "yes"; use one of: none, opportunistic, required`},
		{"tls cert without key", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"tls_cert": filepath.Join(dir, "cert.pem")}
		}, []string{"smtp.tls_key"}, "missing; tls_cert is set"},
		{"tls key without cert", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"tls_key": filepath.Join(dir, "key.pem")}
		}, []string{"smtp.tls_cert"}, "missing; tls_key is set"},
		{"tls files missing", func(t *testing.T, m map[string]any) {
			m["smtp"] = map[string]any{"tls_cert": missing, "tls_key": notAFile}
		}, []string{"smtp.tls_cert", "smtp.tls_key"}, "cannot read file"},
		{"password file missing", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"username": "sved", "password_file": missing}
		}, []string{"outbound.password_file"}, missing},
		{"password file is a folder", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"username": "sved", "password_file": notAFile}
		}, []string{"outbound.password_file"}, "not a regular file"},
		{"password env empty", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"username": "sved", "password_env": "SVED_TEST_EMPTY"}
		}, []string{"outbound.password_env"}, "environment variable SVED_TEST_EMPTY is empty"},
		{"two password sources", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"username": "sved", "password_file": missing, "password_env": "X"}
		}, []string{"outbound.password_env"}, "set only one"},
		{"username without password", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"transport": "smtp://127.0.0.1:25", "username": "sved"}
		}, []string{"outbound.username"}, "without a password"},
		{"unknown root key", func(t *testing.T, m map[string]any) { m["data_folder"] = "./data" },
			[]string{"data_folder"}, "unknown key"},
		{"unknown nested key", func(t *testing.T, m map[string]any) { m["smtp"] = map[string]any{"lisen": "x"} },
			[]string{"smtp.lisen"}, "unknown key"},
		{"unknown nature key", func(t *testing.T, m map[string]any) { set(t, m, t0+".natures[1].labl", "x") },
			[]string{t0 + ".natures[1].labl"}, "unknown key"},
		{"password in file", func(t *testing.T, m map[string]any) {
			m["outbound"] = map[string]any{"password": "s3cret"}
		}, []string{"outbound.password"}, "password_file"},
		{"dash key", func(t *testing.T, m map[string]any) { m["outbound"] = map[string]any{"-": "s3cret"} },
			[]string{"outbound.-"}, "unknown key"},
		{"unknown key keeps other checks", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".colour", "blue")
			set(t, m, t0+".prefix", "x")
		}, []string{t0 + ".colour", t0 + ".prefix"}, "unknown key"},
		{"wrong type", func(t *testing.T, m map[string]any) { set(t, m, t0+".prefix", 12) },
			[]string{t0 + ".prefix"}, "expected a text value, got a number"},
		{"list expected", func(t *testing.T, m map[string]any) { set(t, m, t0+".staff", map[string]any{"a": "b"}) },
			[]string{t0 + ".staff"}, "expected a list"},
		{"mapping expected", func(t *testing.T, m map[string]any) { set(t, m, "collectivites[1]", "autre-ville") },
			[]string{t1}, "expected a mapping of keys"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := baseMap(t)
			tc.edit(t, m)
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

func TestValidationErrorLists(t *testing.T) {
	m := baseMap(t)
	set(t, m, "collectivites[0].natures[2].service", "urba")
	set(t, m, "collectivites[0].prefix", "x")
	_, err := Parse(marshal(t, m))
	verr := err.(*ValidationError)
	verr.File = "config.yaml"

	want := "config.yaml: collectivites[0].prefix: invalid prefix \"x\"; use 2 to 12 capital letters or digits\n" +
		"config.yaml: collectivites[0].natures[2].service: unknown service \"urba\"; " +
		"use one of: accueil, etat-civil, urbanisme"
	if got := verr.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
}

func TestValidateProgrammaticConfig(t *testing.T) {
	cfg := mustParse(t, baseYAML)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate after Parse: %v", err)
	}

	cfg.Tenants[0].Natures[0].Regime = "silence"
	cfg.Tenants = append(cfg.Tenants, nil)
	problems := fieldErrors(t, cfg.Validate())
	if len(problems) != 2 {
		t.Fatalf("problems = %v, want 2", problems)
	}
	if problems[0].Path != "collectivites[0].natures[0].regime" {
		t.Errorf("first path = %q", problems[0].Path)
	}
	if problems[1].Path != "collectivites[2]" {
		t.Errorf("second path = %q", problems[1].Path)
	}
}
