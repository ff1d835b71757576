package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitLog waits until the daemon's log contains want.
func (d *daemon) waitLog(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(d.log(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q:\n%s", want, d.log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReloadOnHangup(t *testing.T) {
	e := newEnv(t, "")
	d := e.serve()
	good := readFile(t, e.config)

	// A new intake address applies to the next message.
	added := strings.Replace(good, "      - address: urbanisme@mairie-saint-exemple.fr\n",
		"      - address: urbanisme@mairie-saint-exemple.fr\n      - address: etat-civil@mairie-saint-exemple.fr\n", 1)
	added = strings.Replace(added, "max_message_bytes: 1048576", "max_message_bytes: 2097152", 1)
	os.WriteFile(e.config, []byte(added), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog(t, "configuration reloaded")
	if !strings.Contains(d.log(), "applies only after a restart") || !strings.Contains(d.log(), "key=smtp") {
		t.Errorf("no warning that the smtp change needs a restart:\n%s", d.log())
	}
	out, err := d.swaks(t, "--from", "jeanne@example.org", "--to", "etat-civil@mairie-saint-exemple.fr")
	if err != nil {
		t.Fatalf("new intake address rejected after reload: %v\n%s", err, out)
	}
	refsOf(t, out)

	// An invalid file is rejected and the running configuration kept.
	os.WriteFile(e.config, []byte(strings.Replace(added, "prefix: SAINTEX", "prefix: bad prefix", 1)), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog(t, "configuration reload failed")
	out, err = d.swaks(t, "--from", "jeanne@example.org", "--to", "etat-civil@mairie-saint-exemple.fr")
	if err != nil {
		t.Fatalf("running configuration lost after an invalid reload: %v\n%s", err, out)
	}
	if refs := refsOf(t, out); !strings.HasPrefix(refs[0], "SAINTEX-") {
		t.Errorf("ref %s, want the running prefix", refs[0])
	}
}

func TestDossiersWithoutStore(t *testing.T) {
	e := newEnv(t, "")
	out, err := e.cli("dossiers", "list")
	if err == nil {
		t.Fatalf("dossiers list without a store succeeded:\n%s", out)
	}
	if !strings.Contains(out, "no store at") {
		t.Errorf("error does not say the store is missing:\n%s", out)
	}
	if _, err := os.Stat(e.dataDir); err == nil {
		t.Error("dossiers list created the data folder")
	}
}

func TestDossiersShowIgnoresCase(t *testing.T) {
	e := newEnv(t, "")
	d := e.serve()
	out, err := d.swaks(t, "--from", "jeanne@example.org", "--to", "contact@mairie-saint-exemple.fr")
	if err != nil {
		t.Fatalf("swaks: %v\n%s", err, out)
	}
	ref := refsOf(t, out)[0]
	show := e.mustCLI("dossiers", "show", strings.ToLower(ref))
	if !strings.Contains(show, ref) {
		t.Errorf("show of the lower-case reference:\n%s", show)
	}
	if list := e.mustCLI("dossiers", "list"); !strings.Contains(list, "1 dossier\n") {
		t.Errorf("list footer:\n%s", list)
	}
}

// TestReadingCommandsNeedNoSecret runs the commands that read the store
// without the relay password that sved serve needs.
func TestReadingCommandsNeedNoSecret(t *testing.T) {
	e := newEnv(t, "")
	cfg := readFile(t, e.config) + "outbound:\n  transport: smtp://127.0.0.1:1\n  username: sved\n" +
		"  password_env: SVED_TEST_UNSET_PASSWORD\n"
	if err := os.WriteFile(e.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Unsetenv("SVED_TEST_UNSET_PASSWORD")
	if out, err := e.cli("check-config"); err == nil || !strings.Contains(out, "SVED_TEST_UNSET_PASSWORD") {
		t.Errorf("check-config accepts the missing password:\n%s", out)
	}
	if out, err := e.cli("dossiers", "list"); err == nil || !strings.Contains(out, "no store at") {
		t.Errorf("dossiers list did not get past the configuration:\n%s", out)
	}
	if out, err := e.cli("stats"); err == nil || !strings.Contains(out, "no store at") {
		t.Errorf("stats did not get past the configuration:\n%s", out)
	}
}

func TestCheckConfigWarnsOfMissingPhone(t *testing.T) {
	e := newEnv(t, "")
	out := e.mustCLI("check-config")
	if !strings.Contains(out, "warning: collectivites[0].services[1].phone: missing") {
		t.Errorf("check-config does not warn of the service without phone:\n%s", out)
	}
	if strings.Contains(out, "services[0].phone") {
		t.Errorf("check-config warns of a service that has a phone:\n%s", out)
	}
}
