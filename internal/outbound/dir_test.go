package outbound

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/store"
)

func TestDirTransport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	tr, err := NewDirTransport(dir)
	if err != nil {
		t.Fatalf("NewDirTransport: %v", err)
	}
	m := testMail()
	m.Recipients = []string{"zoe@example.org", "copie@example.org"}
	m.CreatedAt = time.Date(2026, 12, 4, 14, 42, 10, 0, time.UTC)

	detail, err := tr.Deliver(context.Background(), m)
	if err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	path := filepath.Join(dir, "20261204-144210-MAIRIE-2026-000042-aee-q1.eml")
	if detail != "written to "+path {
		t.Errorf("detail = %q, want the file path %s", detail, path)
	}

	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read written file: %v", err)
	}
	wantHead := "Return-Path: <r-k3x9q2@reponse.mairie.example>\r\n" +
		"X-Original-To: zoe@example.org\r\nX-Original-To: copie@example.org\r\n"
	if !bytes.HasPrefix(b, []byte(wantHead)) {
		t.Errorf("file starts with %q, want %q", b[:min(len(b), 120)], wantHead)
	}
	if !bytes.Equal(b[len(wantHead):], m.Raw) {
		t.Error("file does not end with the raw message unchanged")
	}
	r, err := gomail.CreateReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("parse written file: %v", err)
	}
	if s, _ := r.Header.Subject(); s != "test" {
		t.Errorf("subject = %q", s)
	}

	// A retry rewrites the same file and leaves no temporary file.
	if _, err := tr.Deliver(context.Background(), m); err != nil {
		t.Fatalf("second Deliver: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("outbox holds %d entries, want 1", len(entries))
	}
}

func TestDirTransportRejects(t *testing.T) {
	tr, err := NewDirTransport(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(m *store.OutboundMail)
	}{
		{"no recipient", func(m *store.OutboundMail) { m.Recipients = nil }},
		{"recipient with CRLF", func(m *store.OutboundMail) { m.Recipients = []string{"a@b\r\nX-Evil: 1"} }},
		{"sender with LF", func(m *store.OutboundMail) { m.EnvelopeFrom = "a@b\nX: y" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := testMail()
			tt.modify(m)
			_, err := tr.Deliver(context.Background(), m)
			if !IsPermanent(err) {
				t.Errorf("Deliver: err = %v, want a permanent error", err)
			}
		})
	}
}

func TestDirFileNameStaysInside(t *testing.T) {
	m := &store.OutboundMail{ID: "../../etc/passwd", Dossier: "a/b", Kind: "..",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	name := fileName(m)
	if strings.ContainsAny(name, "/\\") || name != "20260102-030405-a_b-__-______etc_passwd.eml" {
		t.Errorf("fileName = %q", name)
	}
}

func TestNewTransport(t *testing.T) {
	dataDir := t.TempDir()
	tests := []struct {
		name     string
		spec     string
		wantType string
		wantErr  bool
	}{
		{"default outbox", "", "dir", false},
		{"dir", "dir:" + filepath.Join(dataDir, "mails"), "dir", false},
		{"smtp", "smtp://127.0.0.1:2525", "smtp", false},
		{"empty dir", "dir:", "", true},
		{"unknown scheme", "lmtp://127.0.0.1:24", "", true},
		{"credentials in URL", "smtp://u:p@127.0.0.1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := NewTransport(config.Outbound{Transport: tt.spec}, dataDir, "sved.test", nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NewTransport(%q): err = %v, want error %v", tt.spec, err, tt.wantErr)
			}
			switch tr.(type) {
			case *DirTransport:
				if tt.wantType != "dir" {
					t.Errorf("got a DirTransport, want %s", tt.wantType)
				}
			case *SMTPTransport:
				if tt.wantType != "smtp" {
					t.Errorf("got an SMTPTransport, want %s", tt.wantType)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dataDir, "outbox")); err != nil {
		t.Errorf("default outbox not created: %v", err)
	}
}

func TestDirTransportTempNameNotEML(t *testing.T) {
	dir := t.TempDir()
	tr, err := NewDirTransport(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Watch the folder while mails are written: no name that ends in
	// .eml may appear before its content is complete.
	done := make(chan struct{})
	bad := make(chan string, 1)
	go func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".eml") && strings.HasPrefix(e.Name(), ".") {
					select {
					case bad <- e.Name():
					default:
					}
				}
			}
		}
	}()
	for i := 0; i < 50; i++ {
		m := testMail()
		m.ID = fmt.Sprintf("M-%d", i)
		if _, err := tr.Deliver(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	select {
	case name := <-bad:
		t.Errorf("temporary file %s ends in .eml", name)
	default:
	}
}
