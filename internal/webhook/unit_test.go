package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestSanitizeFileName(t *testing.T) {
	tests := []struct {
		name, ctype, want string
	}{
		{"plan.pdf", "application/pdf", "plan.pdf"},
		{"PHOTO.JPEG", "image/jpeg", "PHOTO.JPEG"},
		{"photo.jpg", "application/pdf", "photo.pdf"},
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{`C:\Users\jeanne\Mes documents\acte.pdf`, "application/pdf", "acte.pdf"},
		{"a\x00b\r\n.pdf", "application/pdf", "a_b__.pdf"},
		{"", "image/png", "piece-jointe-3.png"},
		{"...", "application/pdf", "piece-jointe-3.pdf"},
		{"notes.csv", "text/plain", "notes.csv"},
		{"rapport.docx", "application/zip", "rapport.docx"},
		{"\x00\x00.pdf", "application/pdf", "__.pdf"},
	}
	for _, tc := range tests {
		if got := sanitizeFileName(tc.name, 3, tc.ctype); got != tc.want {
			t.Errorf("sanitizeFileName(%q, %s) = %q, want %q", tc.name, tc.ctype, got, tc.want)
		}
	}
	long := sanitizeFileName(strings.Repeat("é", 300)+".pdf", 1, "application/pdf")
	if n := len([]rune(long)); n != maxFileNameRunes {
		t.Errorf("long name has %d runes, want %d", n, maxFileNameRunes)
	}
}

func TestSIRETKey(t *testing.T) {
	tests := []struct {
		siret string
		valid bool
	}{
		{"73282932000074", true},
		{"73282932000075", false},
		{"35600000000048", true}, // La Poste head office: Luhn key
		{"35600000049837", true}, // La Poste establishment: digit sum a multiple of 5
		{"35600000000049", false},
	}
	for _, tc := range tests {
		in := &input{fields: map[string]string{"siret": tc.siret}}
		c := &checker{form: newTestForm(), in: in}
		got := c.siret() != ""
		if got != tc.valid {
			t.Errorf("siret %s valid = %v, want %v", tc.siret, got, tc.valid)
		}
	}
}

func TestTokenRoundTrip(t *testing.T) {
	key := make([]byte, tokenKeyBytes)
	now := time.Unix(1_800_000_000, 0)
	token := issueToken(key, "contact", now)

	served, nonce, err := verifyToken(key, "contact", token, now.Add(time.Hour))
	if err != nil || !served.Equal(now) || len(nonce) != 32 {
		t.Errorf("verify = %v, %q, %v", served, nonce, err)
	}
	if _, _, err := verifyToken(key, "other-form", token, now); err == nil {
		t.Error("token of another form accepted")
	}
	if _, _, err := verifyToken(key, "contact", token, now.Add(tokenMaxAge+time.Second)); err != errTokenExpired {
		t.Errorf("old token: err = %v, want errTokenExpired", err)
	}
	other := make([]byte, tokenKeyBytes)
	other[0] = 1
	if _, _, err := verifyToken(other, "contact", token, now); err == nil {
		t.Error("token checked with another key accepted")
	}
}

func TestRateLimiterWindow(t *testing.T) {
	l := newRateLimiter()
	now := time.Unix(1_800_000_000, 0)
	for i := range 3 {
		if ok, _ := l.allow("k", 3, time.Hour, now); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	ok, wait := l.allow("k", 3, time.Hour, now)
	if ok || wait != 20*time.Minute {
		t.Errorf("fourth = %v, wait %v; want refused, 20m", ok, wait)
	}
	if ok, _ := l.allow("k", 3, time.Hour, now.Add(20*time.Minute)); !ok {
		t.Error("refused after the wait")
	}
	if ok, _ := l.allow("other", 3, time.Hour, now); !ok {
		t.Error("another key refused")
	}
}

func TestRateLimiterBounded(t *testing.T) {
	l := newRateLimiter()
	now := time.Unix(1_800_000_000, 0)
	for i := range maxLimiterKeys + 10 {
		l.allow(string(rune(i))+"k", 10, time.Hour, now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(l.tat); n > maxLimiterKeys {
		t.Errorf("%d keys kept, want at most %d", n, maxLimiterKeys)
	}
}
