package message

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/mail")

const mailDir = "../../testdata/mail"

// TestGolden parses each testdata/mail/*.eml and compares a summary of
// the result with the matching .golden.json file.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(mailDir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no .eml file in %s", mailDir)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m := Parse(raw)
			checkValidUTF8(t, name, m)
			got, err := json.MarshalIndent(summarize(m), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(f, ".eml") + ".golden.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("summary differs from %s (run go test -update after checking):\n%s",
					golden, got)
			}
		})
	}
}
