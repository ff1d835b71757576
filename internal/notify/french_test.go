package notify

import (
	"testing"
	"time"
)

func TestFrenchDateTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("load Europe/Paris: %v", err)
	}
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 12, 4, 14, 42, 0, 0, time.UTC), "le vendredi 4 décembre 2026 à 15 h 42"},
		{time.Date(2027, 2, 1, 8, 5, 0, 0, time.UTC), "le lundi 1er février 2027 à 9 h 05"},
		// Summer time: UTC+2.
		{time.Date(2027, 8, 15, 22, 30, 0, 0, time.UTC), "le lundi 16 août 2027 à 0 h 30"},
		// 24 December 23:30 UTC is already Christmas in Paris.
		{time.Date(2026, 12, 24, 23, 30, 0, 0, time.UTC), "le vendredi 25 décembre 2026 à 0 h 30"},
	}
	for _, tt := range tests {
		if got := frenchDateTime(tt.in.In(paris)); got != tt.want {
			t.Errorf("frenchDateTime(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFrenchSize(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 octet"},
		{1, "1 octet"},
		{512, "512 octets"},
		{999, "999 octets"},
		{1000, "1,0 ko"},
		{1500, "1,5 ko"},
		{9949, "9,9 ko"},
		{9950, "10 ko"},
		{340_000, "340 ko"},
		{999_499, "999 ko"},
		{999_999, "1,0 Mo"},
		{1_234_567, "1,2 Mo"},
		{25_000_000, "25 Mo"},
		{3_000_000_000, "3,0 Go"},
	}
	for _, tt := range tests {
		if got := frenchSize(tt.in); got != tt.want {
			t.Errorf("frenchSize(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFrenchCount(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{0, "0 anomalie"},
		{1, "1 anomalie"},
		{2, "2 anomalies"},
		{12, "12 anomalies"},
	}
	for _, tt := range tests {
		if got := frenchCount(tt.in, "anomalie", "anomalies"); got != tt.want {
			t.Errorf("frenchCount(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
