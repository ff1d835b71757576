package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeMails writes n small requests into dir and returns dir.
func writeMails(t *testing.T, dir string, n int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		raw := fmt.Sprintf("From: Habitant %d <habitant%d@example.org>\r\nTo: contact@mairie-saint-exemple.fr\r\n"+
			"Subject: Demande %d\r\nMessage-ID: <ingest-%d@example.org>\r\n\r\nBonjour.\r\n", i, i, i, i)
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.eml", i)), []byte(raw), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a mail"), 0o600)
	return dir
}

func TestIngestFolderWithoutDaemon(t *testing.T) {
	e := newEnv(t, "")
	dir := writeMails(t, filepath.Join(e.dir, "import"), 3)

	out := e.mustCLI("ingest", dir)
	for i := 1; i <= 3; i++ {
		if !strings.Contains(out, fmt.Sprintf("[%d/3] %s", i, filepath.Join(dir, fmt.Sprintf("%02d.eml", i)))) {
			t.Errorf("no progress line for file %d:\n%s", i, out)
		}
	}
	if n := strings.Count(out, "(created)"); n != 3 {
		t.Errorf("%d dossiers created, want 3:\n%s", n, out)
	}
	if strings.Contains(out, "notes.txt") {
		t.Errorf("a non-.eml file was ingested:\n%s", out)
	}

	// The same files again are recognised as already stored.
	again := e.mustCLI("ingest", dir)
	if n := strings.Count(again, "(already stored)"); n != 3 {
		t.Errorf("second ingest: %d already stored, want 3:\n%s", n, again)
	}

	// The queued mails leave with the next sved serve.
	e.serve()
	waitFiles(t, e.outbox(), 6)
}

func TestIngestThroughRunningDaemon(t *testing.T) {
	e := newEnv(t, "")
	e.serve()
	dir := writeMails(t, filepath.Join(e.dir, "import"), 2)
	out := e.mustCLI("ingest", filepath.Join(dir, "01.eml"), filepath.Join(dir, "02.eml"))
	if n := strings.Count(out, "(created)"); n != 2 {
		t.Errorf("%d dossiers created, want 2:\n%s", n, out)
	}
	waitFiles(t, e.outbox(), 4)
	list := e.mustCLI("dossiers", "list")
	if !strings.Contains(list, "habitant2@example.org") {
		t.Errorf("list lacks the ingested request:\n%s", list)
	}
	show := e.mustCLI("dossiers", "show", strings.Fields(list[strings.Index(list, "SAINTEX-"):])[0])
	if !strings.Contains(show, "Channel:") || !strings.Contains(show, "ingest") {
		t.Errorf("show does not give the ingest channel:\n%s", show)
	}
}

func TestIngestNeedsServedRecipient(t *testing.T) {
	e := newEnv(t, "")
	file := filepath.Join(e.dir, "elsewhere.eml")
	os.WriteFile(file, []byte("From: a@example.org\r\nTo: someone@example.net\r\nSubject: x\r\n\r\nx\r\n"), 0o600)
	out, err := e.cli("ingest", file)
	if err == nil {
		t.Fatalf("ingest accepted a mail for no served address:\n%s", out)
	}
	if !strings.Contains(out, "--to") {
		t.Errorf("the error does not say how to name a recipient:\n%s", out)
	}
	out = e.mustCLI("ingest", "--to", "contact@mairie-saint-exemple.fr", file)
	if !strings.Contains(out, "(created)") {
		t.Errorf("ingest --to did not create the dossier:\n%s", out)
	}
}
