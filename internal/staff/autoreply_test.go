package staff

import (
	"path/filepath"
	"testing"

	"github.com/sved-project/sved/internal/message"
)

func TestAutoReply(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want bool
	}{
		{"staff reply", "Subject: RE: [SAINTEX-2026-000001] Permis\r\n\r\nOK\r\n", false},
		{"RFC 3834 header", "Auto-Submitted: auto-replied\r\nSubject: RE: [SAINTEX-2026-000001] Permis\r\n\r\nx\r\n",
			true},
		{"French absence subject", "Subject: Absence du bureau : [SAINTEX-2026-000001] Permis\r\n\r\nx\r\n", true},
		{"Outlook French subject", "Subject: =?utf-8?q?R=C3=A9ponse_automatique_=3A_Permis?=\r\n\r\nx\r\n", true},
		{"bare absence", "Subject: Absence\r\n\r\nx\r\n", true},
		{"absente with dash", "Subject: Absente - retour le 5\r\n\r\nx\r\n", true},
		{"message d'absence", "Subject: Message d'absence\r\n\r\nx\r\n", true},
		{"absence in a sentence", "Subject: Absence de justificatif\r\n\r\nx\r\n", false},
		{"reply about an absence", "Subject: RE: Absence du bureau\r\n\r\nx\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := message.Parse([]byte("From: Paul <paul@saint-exemple.example.fr>\r\n" + tt.raw))
			reason, got := AutoReply(m)
			if got != tt.want {
				t.Errorf("AutoReply = %v (%q), want %v", got, reason, tt.want)
			}
			if got && reason == "" {
				t.Error("AutoReply gave no reason")
			}
		})
	}
}

func TestCorpusAutoReplies(t *testing.T) {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "auto-replies", "*.eml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no auto-reply under %s: %v", dir, err)
	}
	for _, f := range files {
		if reason, ok := AutoReply(readMail(t, f)); !ok {
			t.Errorf("%s: AutoReply = false (%q)", f, reason)
		}
	}
}
