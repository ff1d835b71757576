package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

func TestOpenFileMode(t *testing.T) {
	_, path := openTest(t, newClock(start2026))
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("file mode = %v, want 0600", perm)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	clock := newClock(start2026)
	path := filepath.Join(t.TempDir(), "sved.db")
	s, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	s, err = Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()

	got, err := s.Get(d.Ref)
	if err != nil {
		t.Fatalf("Get after reopen: %v", err)
	}
	if got.Subject != d.Subject || got.EventCount != d.EventCount || !got.ReceivedAt.Equal(d.ReceivedAt) {
		t.Errorf("dossier after reopen = %+v, want %+v", got, d)
	}
	raw, err := s.Raw(d.Ref)
	if err != nil || !bytes.Equal(raw, rawMessage(1)) {
		t.Errorf("Raw after reopen = %q, %v", raw, err)
	}
	events, err := s.Journal(d.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := dossier.VerifyChain(events); err != nil || len(events) != 2 {
		t.Errorf("journal after reopen: %d events, %v", len(events), err)
	}
	if due := dueIDs(t, s, start2026, 0); len(due) != 1 {
		t.Errorf("due mails after reopen = %v, want 1", due)
	}
	if byToken, err := s.ByToken(d.Token); err != nil || byToken.Ref != d.Ref {
		t.Errorf("ByToken after reopen = %v, %v", byToken, err)
	}

	// The dedup key and the counter survived too.
	if _, created, err := s.Create(t.Context(), newItem("lyon", "k1", rawMessage(1))); err != nil || created {
		t.Errorf("Create of a stored item after reopen: created %v, %v", created, err)
	}
	if next := mustCreate(t, s, newItem("lyon", "k2", rawMessage(2))); next.Ref != "LYO-2026-000002" {
		t.Errorf("next Ref after reopen = %q, want LYO-2026-000002", next.Ref)
	}
}

func TestOpenLockedFile(t *testing.T) {
	_, path := openTest(t, newClock(start2026))

	began := time.Now()
	second, err := Open(path, Options{LockTimeout: 200 * time.Millisecond})
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("error = %v, want ErrLocked", err)
	}
	if elapsed := time.Since(began); elapsed > 2*time.Second {
		t.Errorf("second Open took %v, want about the 200ms timeout", elapsed)
	}
}

func TestGetNotFound(t *testing.T) {
	s, _ := openTest(t, newClock(start2026))
	if _, err := s.Get("LYO-2026-000001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get error = %v, want ErrNotFound", err)
	}
	if _, err := s.ByToken("secret-token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("ByToken error = %v, want ErrNotFound", err)
	} else if bytes.Contains([]byte(err.Error()), []byte("secret-token")) {
		t.Errorf("ByToken error %q contains the token", err)
	}
	if _, err := s.Raw("LYO-2026-000001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Raw error = %v, want ErrNotFound", err)
	}
	if _, err := s.Messages("LYO-2026-000001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Messages error = %v, want ErrNotFound", err)
	}
	if _, err := s.Mails("LYO-2026-000001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Mails error = %v, want ErrNotFound", err)
	}
}

func TestListNewestFirst(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)

	items := []struct {
		tenant string
		state  dossier.State
	}{
		{"lyon", dossier.StateReceived},
		{"nice", dossier.StateReceived},
		{"lyon", dossier.StateAutomatic},
		{"lyon", dossier.StateReceived},
		{"nice", dossier.StateQuarantined},
	}
	var refs []string
	for i, it := range items {
		nd := newItem(it.tenant, fmt.Sprintf("k%d", i), rawMessage(i))
		nd.Dossier.State = it.state
		refs = append(refs, mustCreate(t, s, nd).Ref)
		clock.Advance(time.Second)
	}

	tests := []struct {
		filter ListFilter
		want   []string
	}{
		{ListFilter{}, []string{refs[4], refs[3], refs[2], refs[1], refs[0]}},
		{ListFilter{Tenant: "lyon"}, []string{refs[3], refs[2], refs[0]}},
		{ListFilter{State: dossier.StateReceived}, []string{refs[3], refs[1], refs[0]}},
		{ListFilter{Tenant: "nice", State: dossier.StateQuarantined}, []string{refs[4]}},
		{ListFilter{Tenant: "lyon", State: dossier.StateQuarantined}, nil},
		{ListFilter{Tenant: "ly"}, nil},
		{ListFilter{Tenant: "paris"}, nil},
	}
	for _, tt := range tests {
		list, err := s.List(tt.filter)
		if err != nil {
			t.Fatalf("List(%+v): %v", tt.filter, err)
		}
		var got []string
		for _, d := range list {
			got = append(got, d.Ref)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("List(%+v) = %v, want %v", tt.filter, got, tt.want)
		}
	}

	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := map[dossier.State]int{
		dossier.StateReceived: 3, dossier.StateAutomatic: 1, dossier.StateQuarantined: 1,
	}
	if st.Dossiers != 5 || !equalCounts(st.States, want) {
		t.Errorf("Stats = %+v, want 5 dossiers, %v", st, want)
	}
}

func equalCounts(a, b map[dossier.State]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBackupOpens(t *testing.T) {
	clock := newClock(start2026)
	s, _ := openTest(t, clock)
	d := mustCreate(t, s, newItem("lyon", "k1", rawMessage(1)))

	var buf bytes.Buffer
	n, err := s.Backup(&buf)
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Errorf("Backup returned %d, wrote %d bytes", n, buf.Len())
	}

	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	copied, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("open backup: %v", err)
	}
	defer copied.Close()
	if got, err := copied.Get(d.Ref); err != nil || got.Ref != d.Ref {
		t.Errorf("Get from backup = %v, %v", got, err)
	}
}
