package message

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics, always returns a message
// and returns only valid UTF-8, on any input.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join(mailDir, "*.eml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add(buildNestedMultipart(unclosedNesting, 30))
	f.Add(buildNestedMultipart(closedNesting, 3))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Parse(raw)
		if m == nil {
			t.Fatal("Parse returned nil")
		}
		if m.Subject == "" {
			t.Error("Subject is empty, want at least the placeholder")
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, m.Sender.Name, m.Sender.Addr} {
			if !utf8.ValidString(s) {
				t.Errorf("invalid UTF-8 in %q", s)
			}
		}
		for _, p := range append(m.Attachments, m.Inlines...) {
			if !utf8.ValidString(p.FileName) || p.FileName == "" {
				t.Errorf("bad file name %q", p.FileName)
			}
		}
	})
}
