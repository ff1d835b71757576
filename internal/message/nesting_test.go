package message

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// bombShape names one way of nesting multipart bodies that
// buildNestedMultipart can write.
type bombShape int

const (
	// unclosedNesting opens a deeper multipart in the first part of each
	// level and never writes a closing boundary line.
	unclosedNesting bombShape = iota
	// closedNesting is unclosedNesting with every level closed.
	closedNesting
	// outerClosedNesting leaves every inner level open but closes the
	// outermost one.
	outerClosedNesting
	// sameNameNesting declares the same boundary at every level.
	sameNameNesting
	// rfc822Nesting alternates unclosed multipart levels with
	// message/rfc822 parts.
	rfc822Nesting
	// undeclaredLines writes boundary lines that no header declares.
	undeclaredLines
	// wideMultipart is one multipart with depth text parts.
	wideMultipart
)

// buildNestedMultipart returns a message with the given shape at the
// given depth, with the subject "Bombe" encoded as an RFC 2047 word.
func buildNestedMultipart(shape bombShape, depth int) []byte {
	var b strings.Builder
	b.WriteString("From: Alice <alice@example.org>\r\n" +
		"Subject: =?UTF-8?Q?Bombe_=C3=A0_tiroirs?=\r\n" +
		"MIME-Version: 1.0\r\n")
	boundary := func(i int) string {
		if shape == sameNameNesting {
			return "b"
		}
		return fmt.Sprintf("b%d", i)
	}
	switch shape {
	case wideMultipart:
		b.WriteString("Content-Type: multipart/mixed; boundary=b0\r\n\r\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "--b0\r\nContent-Type: text/plain\r\n\r\npart %d\r\n", i)
		}
		b.WriteString("--b0--\r\n")
		return []byte(b.String())
	case undeclaredLines:
		b.WriteString("Content-Type: text/plain\r\n\r\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed\r\n\r\n", i)
		}
		return []byte(b.String())
	}
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n", boundary(0))
	for i := 0; i < depth; i++ {
		fmt.Fprintf(&b, "--%s\r\n", boundary(i))
		if shape == rfc822Nesting && i%2 == 1 {
			b.WriteString("Content-Type: message/rfc822\r\n\r\n" +
				"From: bob@example.org\r\nSubject: inner\r\nMIME-Version: 1.0\r\n")
		}
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n", boundary(i+1))
	}
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain\r\n\r\nfond\r\n", boundary(depth))
	switch shape {
	case closedNesting:
		for i := depth; i >= 0; i-- {
			fmt.Fprintf(&b, "--%s--\r\n", boundary(i))
		}
	case outerClosedNesting:
		fmt.Fprintf(&b, "--%s--\r\n", boundary(0))
	}
	return []byte(b.String())
}

// TestParseNestingBombs checks that Parse returns quickly on multipart
// shapes that make enmime slow, and keeps such a message raw.
func TestParseNestingBombs(t *testing.T) {
	tests := []struct {
		name    string
		shape   bombShape
		depth   int
		warning string // expected warning prefix, "" for none
	}{
		{"unclosed at limit", unclosedNesting, maxUnclosedNesting - 1, ""},
		{"unclosed 30", unclosedNesting, 30, "MIME structure too deeply nested (31 unclosed"},
		{"unclosed 1000", unclosedNesting, 1000, "MIME structure too deeply nested (1001 unclosed"},
		{"unclosed 5000", unclosedNesting, 5000, "MIME structure too deeply nested (5001 unclosed"},
		{"outer closed 30", outerClosedNesting, 30, "MIME structure too deeply nested (30 unclosed"},
		{"outer closed 5000", outerClosedNesting, 5000, "MIME structure too deeply nested (5000 unclosed"},
		{"closed 50", closedNesting, 50, ""},
		{"closed 1000", closedNesting, 1000, "MIME structure too deeply nested (1001 multipart levels"},
		{"closed 5000", closedNesting, 5000, "MIME structure too deeply nested (5001 multipart levels"},
		{"same name 30", sameNameNesting, 30, ""},
		{"same name 5000", sameNameNesting, 5000, "MIME structure too large (5001 multipart boundaries"},
		{"rfc822 5000", rfc822Nesting, 5000, ""},
		{"undeclared lines 5000", undeclaredLines, 5000, ""},
		{"wide 3000", wideMultipart, 3000, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := buildNestedMultipart(tt.shape, tt.depth)
			m := parseWithTimeout(t, raw, 5*time.Second)
			if !bytes.Equal(m.Raw, raw) {
				t.Error("Raw differs from the input")
			}
			if m.Subject != "Bombe à tiroirs" {
				t.Errorf("Subject = %q, want %q", m.Subject, "Bombe à tiroirs")
			}
			if len(m.From) != 1 || m.From[0].Addr != "alice@example.org" {
				t.Errorf("From = %+v, want alice@example.org", m.From)
			}
			got := findWarning(m.Warnings, "MIME structure too")
			if tt.warning == "" {
				if got != "" {
					t.Errorf("unexpected warning %q", got)
				}
				return
			}
			if !strings.HasPrefix(got, tt.warning) {
				t.Errorf("warnings = %q, want one starting with %q", m.Warnings, tt.warning)
			}
			if len(m.Attachments) != 0 || len(m.Inlines) != 0 {
				t.Errorf("got %d attachments and %d inlines, want none",
					len(m.Attachments), len(m.Inlines))
			}
			if !strings.Contains(m.Text, "fond") {
				t.Error("Text does not contain the raw message")
			}
		})
	}
}

// parseWithTimeout runs Parse on raw and fails the test, instead of
// hanging, when it takes longer than limit.
func parseWithTimeout(t *testing.T, raw []byte, limit time.Duration) *Message {
	t.Helper()
	done := make(chan *Message, 1)
	start := time.Now()
	go func() { done <- Parse(raw) }()
	select {
	case m := <-done:
		t.Logf("Parse of %d bytes took %v", len(raw), time.Since(start))
		return m
	case <-time.After(limit):
		// The goroutine keeps a core busy until the test binary exits.
		t.Fatalf("Parse of %d bytes did not return within %v", len(raw), limit)
		return nil
	}
}

func findWarning(warnings []string, prefix string) string {
	for _, w := range warnings {
		if strings.HasPrefix(w, prefix) {
			return w
		}
	}
	return ""
}

// TestNestingProblemBoundaries checks the pre-scan on small shapes
// where the levels are known.
func TestNestingProblemBoundaries(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string // expected warning prefix, "" for none
	}{
		{"plain", "Subject: x\r\n\r\nboundary=a\r\n--a\r\n", ""},
		{"quoted boundary", "Content-Type: multipart/mixed;\r\n boundary=\"a b\"\r\n\r\n" +
			"--a b\r\n\r\nx\r\n--a b--\r\n", ""},
		{"boundary ending in dashes", "Content-Type: multipart/mixed; boundary=\"a--\"\r\n\r\n" +
			"--a--\r\n\r\nx\r\n--a----\r\n", ""},
		{"unclosed at limit", string(buildNestedMultipart(unclosedNesting, maxUnclosedNesting-1)), ""},
		{"unclosed over limit", string(buildNestedMultipart(unclosedNesting, maxUnclosedNesting)),
			"MIME structure too deeply nested (13 unclosed"},
		{"closed at limit", string(buildNestedMultipart(closedNesting, maxMultipartDepth-1)), ""},
		{"closed over limit", string(buildNestedMultipart(closedNesting, maxMultipartDepth)),
			"MIME structure too deeply nested (101 multipart levels"},
		{"xboundary is not a boundary", "Content-Type: multipart/mixed; xboundary=a\r\n\r\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nestingProblem([]byte(tt.raw))
			if tt.want == "" && got != "" {
				t.Errorf("nestingProblem = %q, want none", got)
			}
			if tt.want != "" && !strings.HasPrefix(got, tt.want) {
				t.Errorf("nestingProblem = %q, want prefix %q", got, tt.want)
			}
		})
	}
}

// TestMeasureNesting logs how long enmime takes to read each shape at
// growing depths. It serves to choose the limits in nesting.go and runs
// only when SVED_MEASURE_NESTING is set.
func TestMeasureNesting(t *testing.T) {
	if os.Getenv("SVED_MEASURE_NESTING") == "" {
		t.Skip("set SVED_MEASURE_NESTING=1 to time enmime on nested multiparts")
	}
	depths := map[bombShape][]int{
		unclosedNesting:    {8, 10, 12, 14, 16, 18, 20, 22},
		outerClosedNesting: {8, 12, 16, 20},
		closedNesting:      {50, 100, 200, 500, 1000},
		sameNameNesting:    {1000, 5000},
		rfc822Nesting:      {40, 1000},
		undeclaredLines:    {1000, 5000},
		wideMultipart:      {300, 3000},
	}
	for shape := unclosedNesting; shape <= wideMultipart; shape++ {
		for _, depth := range depths[shape] {
			raw := buildNestedMultipart(shape, depth)
			start := time.Now()
			_, err := newParser(false).ReadParts(bytes.NewReader(raw))
			elapsed := time.Since(start)
			t.Logf("shape %d, depth %d, %d bytes: %v (err %v)", shape, depth, len(raw), elapsed, err)
			if elapsed > 2*time.Second {
				break
			}
		}
	}
}
