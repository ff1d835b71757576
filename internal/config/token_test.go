package config

import (
	"strings"
	"testing"
)

func TestNewToken(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		token := NewToken()
		if len(token) != 16 {
			t.Fatalf("token %q has %d characters, want 16", token, len(token))
		}
		if !ValidToken(token) {
			t.Fatalf("ValidToken(%q) = false", token)
		}
		if seen[token] {
			t.Fatalf("token %q returned twice", token)
		}
		seen[token] = true
	}
}

func TestValidToken(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"abcdefghijklmnop", true},
		{"qrstuvwxyz234567", true},
		{"ABCDEFGHIJKLMNOP", false},
		{"abcdefghijklmno", false},
		{"abcdefghijklmnopq", false},
		{"abcdefghijklmno1", false},
		{"abcdefghijklmno8", false},
		{"abcdefghijklmno=", false},
		{"abcdefghijklmn.p", false},
		{"", false},
		{strings.Repeat("é", 8), false},
	}
	for _, tc := range tests {
		if got := ValidToken(tc.s); got != tc.want {
			t.Errorf("ValidToken(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
