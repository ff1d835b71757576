package outbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sved-project/sved/internal/store"
)

// DirTransport writes each mail as a file in a directory, for a machine
// without a relay or for tests.
//
// The file is named <yyyymmdd-hhmmss>-<dossier>-<kind>-<id>.eml, the time
// being the mail's creation in UTC, so a retry rewrites the same file. It
// contains the message exactly as queued, preceded by the envelope in the
// lines that a delivery agent adds: "Return-Path: <sender>" and one
// "X-Original-To: recipient" line per recipient.
type DirTransport struct {
	dir string
}

// NewDirTransport creates dir when needed and returns a transport that
// writes into it.
func NewDirTransport(dir string) (*DirTransport, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create outbox directory: %w", err)
	}
	return &DirTransport{dir: dir}, nil
}

// Deliver writes m atomically: to a temporary file that is synced, then
// renamed to its final name, then the directory is synced.
func (t *DirTransport) Deliver(ctx context.Context, m *store.OutboundMail) (string, error) {
	if len(m.Recipients) == 0 {
		return "", &PermanentError{Err: fmt.Errorf("mail %s has no recipient", m.ID)}
	}
	for _, r := range m.Recipients {
		if r == "" || strings.ContainsAny(r, "\r\n") {
			return "", &PermanentError{Err: fmt.Errorf("mail %s: invalid recipient %q", m.ID, r)}
		}
	}
	if strings.ContainsAny(m.EnvelopeFrom, "\r\n") {
		return "", &PermanentError{Err: fmt.Errorf("mail %s: invalid envelope sender %q", m.ID, m.EnvelopeFrom)}
	}

	path := filepath.Join(t.dir, fileName(m))
	if err := writeFileAtomic(path, envelopeLines(m), m.Raw); err != nil {
		return "", err
	}
	return "written to " + path, nil
}

// envelopeLines returns the Return-Path and X-Original-To lines.
func envelopeLines(m *store.OutboundMail) []byte {
	var b strings.Builder
	b.WriteString("Return-Path: <" + m.EnvelopeFrom + ">\r\n")
	for _, r := range m.Recipients {
		b.WriteString("X-Original-To: " + r + "\r\n")
	}
	return []byte(b.String())
}

// fileName builds the name of the .eml file of m.
func fileName(m *store.OutboundMail) string {
	created := m.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	id := m.ID
	if id == "" {
		sum := sha256.Sum256(m.Raw)
		id = hex.EncodeToString(sum[:8])
	}
	return created.UTC().Format("20060102-150405") + "-" + safeName(m.Dossier) + "-" +
		safeName(m.Kind) + "-" + safeName(id) + ".eml"
}

// safeName keeps letters, digits, dash and underscore, so that a
// name part can never leave the directory.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9',
			r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
	if s == "" {
		return "_"
	}
	return s
}

// writeFileAtomic writes head and body to path so that path either does
// not exist or contains the whole content, even after a crash.
func writeFileAtomic(path string, head, body []byte) (err error) {
	dir := filepath.Dir(path)
	// The temporary name does not end in .eml, so that a program that
	// watches the folder for *.eml never reads a half-written mail.
	f, err := os.CreateTemp(dir, ".tmp-*.part")
	if err != nil {
		return fmt.Errorf("create temporary file in %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()

	if _, err := f.Write(head); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if _, err := f.Write(body); err != nil {
		return fmt.Errorf("write %s: %w", f.Name(), err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", f.Name(), err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("rename to %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
