package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// formSecret is the HMAC secret of the signed form in formTenant.
const formSecret = "5f0c2a7e9b3d41c8a6e2f9d07b1c3e5a-e2e"

// formTenant is e2eTenant with a signed form; %s is the secret file.
const formTenant = e2eTenant + `    forms:
      - id: site-mairie
        title: Contacter la mairie
        auth: hmac
        secret_file: %s
        natures: [information]
`

var httpListenRe = regexp.MustCompile(`http listener started"? addr=(\S+)`)

// waitHTTP waits until the daemon logs its HTTP address.
func (d *daemon) waitHTTP(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := httpListenRe.FindStringSubmatch(d.log()); m != nil {
			return m[1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no HTTP listener within 20s:\n%s", d.log())
	return ""
}

// signScript posts a JSON body to a signed form with curl, the HMAC
// computed by openssl, so that no Go code takes part in the request.
// It prints the HTTP status on the last line.
const signScript = `#!/bin/sh
set -eu
url=$1 secret_file=$2 body=$3 key=$4
ts=$(date +%s)
sig=$( { printf '%s.%s.' "$ts" "$key"; cat "$body"; } |
  openssl dgst -sha256 -hmac "$(cat "$secret_file")" -r | cut -d' ' -f1)
curl -sS -o "$body.out" -w '%{http_code}\n' -X POST "$url" \
  -H 'Content-Type: application/json' \
  -H "X-Sved-Timestamp: $ts" \
  -H "X-Sved-Signature: sha256=$sig" \
  -H "Idempotency-Key: $key" \
  --data-binary @"$body"
cat "$body.out"
`

func TestSignedFormWithCurlAndOpenSSL(t *testing.T) {
	requireTool(t, "curl")
	requireTool(t, "openssl")
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "form-secret")
	os.WriteFile(secretFile, []byte(formSecret), 0o600)
	e := newEnv(t, "", fmt.Sprintf(formTenant, secretFile))
	appendConfig(t, e, "http:\n  listen: 127.0.0.1:0\n")
	d := e.serve()
	addr := d.waitHTTP(t)

	script := filepath.Join(dir, "post.sh")
	os.WriteFile(script, []byte(signScript), 0o700)
	body := filepath.Join(dir, "body.json")
	os.WriteFile(body, []byte(`{"last_name":"Durand","first_name":"Léa",
"postal_address":"12 rue Haute\n99990 Saint-Exemple","email":"lea.durand@example.org",
"subject":"Horaires d'ouverture","message":"Bonjour,\nLa mairie est-elle ouverte le samedi ?"}`), 0o600)
	post := func() (int, map[string]string) {
		out, err := exec.Command("sh", script, "http://"+addr+"/v1/forms/site-mairie", secretFile, body, "essai-1").CombinedOutput()
		if err != nil {
			t.Fatalf("post.sh: %v\n%s", err, out)
		}
		var status int
		lines := strings.SplitN(string(out), "\n", 2)
		fmt.Sscan(lines[0], &status)
		var res map[string]string
		json.Unmarshal([]byte(lines[1]), &res)
		return status, res
	}

	status, res := post()
	if status != 201 || !strings.HasPrefix(res["reference"], "SAINTEX-") {
		t.Fatalf("status %d, body %v; want 201 with a reference", status, res)
	}
	mails := parseOutbox(t, waitFiles(t, e.outbox(), 2))
	if to := mails["aee"].env.GetHeader("To"); !strings.Contains(to, "lea.durand@example.org") {
		t.Errorf("AEE To = %q", to)
	}
	if to := mails["forward"].env.GetHeader("To"); !strings.Contains(to, "accueil@mairie-saint-exemple.fr") {
		t.Errorf("forward To = %q", to)
	}
	if !strings.Contains(mails["forward"].env.Text, "La mairie est-elle ouverte le samedi") {
		t.Error("forward lacks the message")
	}

	again, res2 := post()
	if again != 201 || res2["reference"] != res["reference"] {
		t.Errorf("same Idempotency-Key: status %d, reference %q; want 201 and %q", again, res2["reference"], res["reference"])
	}
	sleepShort()
	waitFiles(t, e.outbox(), 2)

	health, err := exec.Command("curl", "-sS", "http://"+addr+"/healthz").CombinedOutput()
	if err != nil || strings.TrimSpace(string(health)) != "ok" {
		t.Errorf("healthz: %q, %v", health, err)
	}

	show := e.mustCLI("dossiers", "show", res["reference"])
	for _, want := range []string{"form", "127.0.0.1", "Identification (form site-mairie)", "Last name:", "Durand",
		"Postal address:", "12 rue Haute, 99990 Saint-Exemple"} {
		if !strings.Contains(show, want) {
			t.Errorf("dossiers show lacks %q:\n%s", want, show)
		}
	}
}

// appendConfig appends top-level keys to the test's configuration.
func appendConfig(t *testing.T, e *env, yaml string) {
	t.Helper()
	f, err := os.OpenFile(e.config, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(yaml); err != nil {
		t.Fatal(err)
	}
}

func TestReloadAddsForm(t *testing.T) {
	requireTool(t, "curl")
	e := newEnv(t, "")
	appendConfig(t, e, "http:\n  listen: 127.0.0.1:0\n")
	d := e.serve()
	addr := d.waitHTTP(t)
	page := func() string {
		out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
			"http://"+addr+"/forms/accueil-en-ligne").CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v\n%s", err, out)
		}
		return string(out)
	}
	if got := page(); got != "404" {
		t.Fatalf("form before reload: status %s, want 404", got)
	}

	withForm := strings.Replace(readFile(t, e.config), "    natures:\n",
		"    forms:\n      - {id: accueil-en-ligne, auth: public, natures: [information]}\n    natures:\n", 1)
	os.WriteFile(e.config, []byte(withForm), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog(t, "configuration reloaded")
	if got := page(); got != "200" {
		t.Errorf("form after reload: status %s, want 200", got)
	}
}
