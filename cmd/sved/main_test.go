package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// svedBinary is the binary built once for the end-to-end tests.
var svedBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sved-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	svedBinary = filepath.Join(dir, "sved")
	build := exec.Command("go", "build", "-o", svedBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sved:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireTool skips the test when a client is missing, except in CI
// where its absence is a failure of the set-up.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run should have installed it", name)
		}
		t.Skipf("%s is not installed (apt-get install %s)", name, name)
	}
	return path
}

const e2eTenant = `
  - id: saint-exemple
    name: Commune de Saint-Exemple
    prefix: SAINTEX
    from: "Mairie de Saint-Exemple <contact@mairie-saint-exemple.fr>"
    reply:
      domain: reponse.mairie-saint-exemple.fr
    staff: ["@mairie-saint-exemple.fr"]
    intake:
      - address: contact@mairie-saint-exemple.fr
        service: accueil
      - address: urbanisme@mairie-saint-exemple.fr
        service: urbanisme
    services:
      - id: accueil
        name: Accueil de la mairie
        mailbox: accueil@mairie-saint-exemple.fr
        phone: "01 99 00 00 01"
      - id: urbanisme
        name: Service urbanisme
        mailbox: service-urbanisme@mairie-saint-exemple.fr
    natures:
      - id: information
        label: Demande d'information
        service: accueil
        regime: aucun
    # The scheduler's digest would add mails to the outboxes that the
    # tests count; TestServeSchedules turns it on.
    digest:
      at: "off"
`

const e2eSecondTenant = `
  - id: autre-ville
    name: Communauté de communes de l'Autre-Ville
    prefix: AUTRE
    from: "CC Autre-Ville <accueil@cc-autre-ville.fr>"
    reply:
      sub_address: accueil@cc-autre-ville.fr
    intake:
      - address: accueil@cc-autre-ville.fr
    default_service: secretariat
    services:
      - id: secretariat
        name: Secrétariat général
        mailbox: secretariat@cc-autre-ville.fr
    natures:
      - id: information
        label: Demande d'information
        service: secretariat
        regime: aucun
    # The scheduler's digest would add mails to the outboxes that the
    # tests count; TestServeSchedules turns it on.
    digest:
      at: "off"
`

// env is one test's configuration and data folder.
type env struct {
	t       *testing.T
	dir     string
	dataDir string
	config  string
}

func newEnv(t *testing.T, transport string, tenants ...string) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, dataDir: filepath.Join(dir, "data"), config: filepath.Join(dir, "sved.yaml")}
	if len(tenants) == 0 {
		tenants = []string{e2eTenant}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "data_dir: %s\nhostname: mx.test.invalid\n", e.dataDir)
	b.WriteString("smtp:\n  listen: 127.0.0.1:0\n  max_message_bytes: 1048576\n")
	if transport != "" {
		fmt.Fprintf(&b, "outbound:\n  transport: %s\n  starttls: none\n  retry_interval: 1s\n", transport)
	}
	b.WriteString("collectivites:\n")
	for _, tn := range tenants {
		b.WriteString(tn)
	}
	if err := os.WriteFile(e.config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) outbox() string { return filepath.Join(e.dataDir, "outbox") }

// daemon is a running sved serve.
type daemon struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

var listenRe = regexp.MustCompile(`smtp listener started"? addr=(\S+)`)

// serve starts sved serve and waits until it listens.
func (e *env) serve() *daemon {
	e.t.Helper()
	d := &daemon{cmd: exec.Command(svedBinary, "serve", "--config", e.config), done: make(chan struct{})}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.logs.WriteString(line + "\n")
			d.mu.Unlock()
			if m := listenRe.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
		}
	}()
	e.t.Cleanup(func() {
		d.stop()
		if e.t.Failed() {
			e.t.Logf("sved serve log:\n%s", d.log())
		}
	})
	select {
	case d.addr = <-addrc:
	case <-d.done:
		e.t.Fatalf("sved serve exited before listening:\n%s", d.log())
	case <-time.After(20 * time.Second):
		e.t.Fatalf("sved serve did not listen within 20s:\n%s", d.log())
	}
	return d
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.logs.String()
}

// stop sends SIGTERM and waits for the process.
func (d *daemon) stop() {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(os.Interrupt)
	select {
	case <-d.done:
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
	}
	d.cmd.Wait()
}

// kill ends the process at once, as a crash would.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	<-d.done
	d.cmd.Wait()
}

// cli runs a sved subcommand on the test's configuration.
func (e *env) cli(args ...string) (string, error) {
	e.t.Helper()
	args = append(args, "--config", e.config)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, svedBinary, args...).CombinedOutput()
	return string(out), err
}

func (e *env) mustCLI(args ...string) string {
	e.t.Helper()
	out, err := e.cli(args...)
	if err != nil {
		e.t.Fatalf("sved %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// swaks runs swaks against the daemon and returns its transcript.
func (d *daemon) swaks(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := requireTool(t, "swaks")
	host, port, _ := strings.Cut(d.addr, ":")
	args = append([]string{"--server", host, "--port", port, "--helo", "client.example.org",
		"--timeout", "30"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}

// waitFiles waits until dir holds n .eml files and returns their paths.
func waitFiles(t *testing.T, dir string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		// Glob's * also matches names that start with a dot, such as a
		// transport's temporary files, so they are filtered out.
		files, _ := filepath.Glob(filepath.Join(dir, "[^.]*.eml"))
		if len(files) >= n {
			if len(files) > n {
				t.Fatalf("%s holds %d mails, want %d: %v", dir, len(files), n, files)
			}
			return files
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d mails after 20s, want %d", dir, len(files), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var storedRe = regexp.MustCompile(`250 2\.0\.0 OK: stored as ([A-Z0-9, -]+)`)

// refsOf extracts the dossier references from a transcript's 250 reply.
func refsOf(t *testing.T, transcript string) []string {
	t.Helper()
	m := storedRe.FindStringSubmatch(transcript)
	if m == nil {
		t.Fatalf("no 250 naming a dossier in:\n%s", transcript)
	}
	return strings.Split(strings.TrimSpace(m[1]), ", ")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runSved runs the binary with args as they are.
func runSved(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, svedBinary, args...).CombinedOutput()
	return string(out), err
}

// sleepShort gives the daemon's worker time to act before a negative
// check.
func sleepShort() { time.Sleep(300 * time.Millisecond) }
