package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
)

func TestWritesFailAfterFileChange(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, path string)
	}{
		{"removed", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"renamed", func(t *testing.T, path string) {
			if err := os.Rename(path, path+".moved"); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory renamed and removed", func(t *testing.T, path string) {
			dir := filepath.Dir(path)
			if err := os.Rename(dir, dir+".moved"); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(dir + ".moved"); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by new file", func(t *testing.T, path string) {
			tmp := path + ".new"
			if err := os.WriteFile(tmp, []byte("other"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock(start2026)
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "sved.db")
			s, err := Open(path, Options{Now: clock.Now, LockTimeout: time.Second})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			d := mustCreate(t, s, newItem("lyon", "before", rawMessage(1)))
			due, err := s.DueMails(clock.Now(), 0)
			if err != nil || len(due) != 1 {
				t.Fatalf("DueMails = %d mails, %v; want 1", len(due), err)
			}

			tt.change(t, path)

			_, created, err := s.Create(context.Background(), newItem("lyon", "after", rawMessage(2)))
			if !errors.Is(err, ErrFileReplaced) {
				t.Errorf("Create error = %v, want ErrFileReplaced", err)
			}
			if created {
				t.Errorf("Create created = true after the file changed")
			}
			_, err = s.AddMessage(context.Background(), d.Ref, rawMessage(3), "reply", buildNothing)
			if !errors.Is(err, ErrFileReplaced) {
				t.Errorf("AddMessage error = %v, want ErrFileReplaced", err)
			}
			if _, err := s.BeginAttempts([]string{due[0].ID}, clock.Now()); !errors.Is(err, ErrFileReplaced) {
				t.Errorf("BeginAttempts error = %v, want ErrFileReplaced", err)
			}
			if err := s.MarkSent(due[0].ID, "250 ok"); !errors.Is(err, ErrFileReplaced) {
				t.Errorf("MarkSent error = %v, want ErrFileReplaced", err)
			}
			if _, err := s.Get(d.Ref); err != nil {
				t.Errorf("Get after the change: %v, want the open file still readable", err)
			}
			stats, err := s.Stats()
			if err != nil {
				t.Fatalf("Stats: %v", err)
			}
			if stats.Dossiers != 1 {
				t.Errorf("Stats.Dossiers = %d, want 1", stats.Dossiers)
			}
			if stats.Pending != 1 {
				t.Errorf("Stats.Pending = %d, want 1", stats.Pending)
			}
		})
	}
}

func TestWritesSucceedWithRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := Open("sved.db", Options{Now: newClock(start2026).Now, LockTimeout: time.Second})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, _, err := s.Create(context.Background(), newItem("lyon", "rel", rawMessage(1))); err != nil {
		t.Fatalf("Create: %v", err)
	}
}

func buildNothing(*dossier.Dossier) ([]dossier.Event, []OutboundMail, error) {
	return nil, nil, nil
}
