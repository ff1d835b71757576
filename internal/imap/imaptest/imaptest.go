// Package imaptest starts a throw-away Dovecot IMAP server on 127.0.0.1
// for tests, with one user and an optional self-signed TLS certificate,
// and drops mail into it with doveadm.
package imaptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TLS modes of the listener, named as in the sved configuration.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "implicit"
)

// Options configures a Server. The zero value is a plain-text server
// with IDLE.
type Options struct {
	TLS string // TLSNone (default), TLSStartTLS or TLSImplicit
	// NoIDLE leaves IDLE out of the capabilities announced after login,
	// so that clients poll.
	NoIDLE bool
}

// Server is a running Dovecot with one user, User, whose password is
// Password.
type Server struct {
	Dir      string
	Conf     string
	Port     int
	User     string
	Password string
	// CAFile is the PEM certificate of the authority that signed the
	// server's certificate, when TLS is on.
	CAFile string

	tls string
	cmd *exec.Cmd
}

// Start starts Dovecot on a free port of 127.0.0.1 and stops it when the
// test ends. The test is skipped when Dovecot is not installed, unless
// the environment variable CI is set, where it fails.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	requireTool(t, "dovecot")
	requireTool(t, "doveadm")
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skipf("user nobody is missing, Dovecot cannot store mail: %v", err)
	}

	s := &Server{
		Dir:      t.TempDir(),
		User:     "agent@mairie.example",
		Password: "mot-de-passe-imap",
		Port:     freePort(t),
	}
	s.Conf = filepath.Join(s.Dir, "dovecot.conf")
	s.prepareDirs(t)
	if opts.TLS == "" {
		opts.TLS = TLSNone
	}
	s.tls = opts.TLS
	ssl := "ssl = no\n"
	if opts.TLS != TLSNone {
		ssl = s.writeCertificates(t)
	}
	if err := os.WriteFile(s.Conf, []byte(s.config(opts, ssl)), 0o644); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	t.Cleanup(func() { s.Stop() })
	return s
}

func requireTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run should have installed it", name)
		}
		t.Skipf("%s is not installed (apt-get install dovecot-imapd dovecot-core)", name)
	}
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// prepareDirs creates the folders Dovecot needs. The mail folder belongs
// to nobody, the user Dovecot stores mail as, and the folders above it
// must let that user through.
func (s *Server) prepareDirs(t testing.TB) {
	t.Helper()
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.MkdirAll(filepath.Join(s.Dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for d := s.Dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "chown", "nobody:nogroup", filepath.Join(s.Dir, "mail"))
	users := fmt.Sprintf("%s:{PLAIN}%s::::::\n", s.User, s.Password)
	if err := os.WriteFile(filepath.Join(s.Dir, "users"), []byte(users), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *Server) config(opts Options, ssl string) string {
	imapPort, imapsPort := s.Port, 0
	if opts.TLS == TLSImplicit {
		imapPort, imapsPort = 0, s.Port
	}
	capability := ""
	if opts.NoIDLE {
		capability = "imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ UIDPLUS MOVE\n"
	}
	return fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
protocols = imap
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
%[2]s%[5]s
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/users
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[1]s/users
  default_fields = uid=nobody gid=nogroup home=%[1]s/mail/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[3]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[4]d
    ssl = yes
  }
}
`, s.Dir, ssl, imapPort, imapsPort, capability)
}

// start runs Dovecot in the foreground and waits until its port accepts
// connections.
func (s *Server) start(t testing.TB) {
	t.Helper()
	cmd := exec.Command("dovecot", "-F", "-c", s.Conf)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			s.Stop()
			t.Fatalf("dovecot did not listen on %s: %v\n%s\n%s", s.Addr(), err, stderr.String(), s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Addr returns 127.0.0.1:Port.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
}

// Stop stops Dovecot and waits for it to exit. It does nothing when
// Dovecot is stopped.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	// Every process of the group gets SIGTERM, so that the imap
	// processes close their client connections at once instead of
	// waiting for the master. The group is killed if it lingers.
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	s.cmd = nil
	// The master's children notice its exit and close their connections
	// on their own; wait until the port is free for a restart.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		l, err := net.Listen("tcp", s.Addr())
		if err == nil {
			l.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Restart starts Dovecot again on the same port with the same files.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.start(t)
}

// Log returns Dovecot's log file.
func (s *Server) Log() string {
	data, _ := os.ReadFile(filepath.Join(s.Dir, "dovecot.log"))
	return string(data)
}

// Save stores raw in folder with doveadm save. Dovecot must be running.
func (s *Server) Save(t testing.TB, folder string, raw []byte) {
	t.Helper()
	cmd := exec.Command("doveadm", "-c", s.Conf, "save", "-u", s.User, "-m", folder)
	cmd.Stdin = bytes.NewReader(raw)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("doveadm save: %v\n%s", err, out)
	}
}

// DropFile writes raw into the "new" folder of the Maildir of folder, as
// a delivery agent would. It works while Dovecot is stopped.
func (s *Server) DropFile(t testing.TB, folder string, raw []byte) {
	t.Helper()
	dir := filepath.Join(s.Dir, "mail", s.User, "Maildir")
	if folder != "INBOX" {
		dir = filepath.Join(dir, "."+folder)
	}
	name := filepath.Join(dir, "new", fmt.Sprintf("%d.sved-test.%d", time.Now().UnixNano(), os.Getpid()))
	if err := os.WriteFile(name, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "chown", "nobody:nogroup", name)
}

// Doveadm runs the doveadm command (one or more words, such as "mailbox
// create") for the user with args, and returns its output.
func (s *Server) Doveadm(t testing.TB, command string, args ...string) string {
	t.Helper()
	full := append([]string{"-c", s.Conf}, strings.Fields(command)...)
	full = append(append(full, "-u", s.User), args...)
	out, err := exec.Command("doveadm", full...).CombinedOutput()
	if err != nil {
		t.Fatalf("doveadm %s %s: %v\n%s", command, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Flags returns the flags of every message of folder by UID.
func (s *Server) Flags(t testing.TB, folder string) map[uint32]string {
	t.Helper()
	out := s.Doveadm(t, "fetch", "uid flags", "mailbox", folder)
	flags := map[uint32]string{}
	var uid uint64
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "uid: "); ok {
			uid, _ = strconv.ParseUint(strings.TrimSpace(v), 10, 32)
		}
		if v, ok := strings.CutPrefix(line, "flags: "); ok || line == "flags:" {
			flags[uint32(uid)] = strings.TrimSpace(v)
		}
	}
	return flags
}

// UIDValidity returns the UIDVALIDITY of folder.
func (s *Server) UIDValidity(t testing.TB, folder string) uint32 {
	t.Helper()
	out := s.Doveadm(t, "mailbox status", "uidvalidity", folder)
	_, v, _ := strings.Cut(strings.TrimSpace(out), "uidvalidity=")
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil {
		t.Fatalf("doveadm mailbox status: %q", out)
	}
	return uint32(n)
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
