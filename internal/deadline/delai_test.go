package deadline

import (
	"testing"
	"time"
)

func TestAddMonths(t *testing.T) {
	tests := []struct {
		name string
		from string
		n    int
		want string
	}{
		{"same day", "2022-03-01", 2, "2022-05-01"},
		{"31 jan to feb", "2027-01-31", 1, "2027-02-28"},
		{"31 jan to leap feb", "2028-01-31", 1, "2028-02-29"},
		{"30 jan to leap feb", "2028-01-30", 1, "2028-02-29"},
		{"29 feb leap plus year", "2028-02-29", 12, "2029-02-28"},
		{"29 feb leap plus 48", "2028-02-29", 48, "2032-02-29"},
		{"31 dec plus two", "2026-12-31", 2, "2027-02-28"},
		{"31 to 30 day month", "2027-03-31", 1, "2027-04-30"},
		{"31 to 31 day month", "2027-07-31", 1, "2027-08-31"},
		{"year wrap", "2027-11-15", 3, "2028-02-15"},
		{"sunday not shifted", "2026-12-28", 2, "2027-02-28"},
		{"holiday not shifted", "2026-11-01", 2, "2027-01-01"},
		{"zero", "2027-01-31", 0, "2027-01-31"},
		{"backwards", "2027-03-31", -1, "2027-02-28"},
		{"backwards year", "2027-01-15", -2, "2026-11-15"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AddMonths(date(t, tt.from), tt.n)
			if got.String() != tt.want {
				t.Errorf("AddMonths(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestImplicitDecision(t *testing.T) {
	tests := []struct {
		start string
		delai string
		want  string
	}{
		{"2022-03-01", "2m", "2022-05-01"},
		{"2026-05-15", "2m", "2026-07-15"},
		{"2027-01-31", "1m", "2027-02-28"},
		{"2027-01-31", "15d", "2027-02-15"},
		{"2026-12-24", "10d", "2027-01-03"},
		{"2028-02-20", "10d", "2028-03-01"},
		{"2027-01-01", "4m", "2027-05-01"},
	}
	for _, tt := range tests {
		delai, err := ParseDelai(tt.delai)
		if err != nil {
			t.Fatal(err)
		}
		got := ImplicitDecision(date(t, tt.start), delai)
		if got.String() != tt.want {
			t.Errorf("ImplicitDecision(%s, %s) = %s, want %s", tt.start, tt.delai, got, tt.want)
		}
	}
	if got := ImplicitDecision(date(t, "2027-01-01"), Delai{}); got.String() != "2027-01-01" {
		t.Errorf("ImplicitDecision with zero Delai = %s, want start", got)
	}
}

func TestParseDelai(t *testing.T) {
	tests := []struct {
		in   string
		want Delai
	}{
		{"2m", Delai{2, Months}},
		{"1m", Delai{1, Months}},
		{"15d", Delai{15, Days}},
		{"999d", Delai{999, Days}},
		{"02m", Delai{2, Months}},
	}
	for _, tt := range tests {
		got, err := ParseDelai(tt.in)
		if err != nil {
			t.Errorf("ParseDelai(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDelai(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParseDelaiInvalid(t *testing.T) {
	for _, in := range []string{
		"", "m", "2", "0m", "0d", "1000d", "-1m", "+2m", "2 m", " 2m", "2M",
		"2w", "2y", "2mo", "1.5m", "２m", "99999999999999999999m",
	} {
		if got, err := ParseDelai(in); err == nil {
			t.Errorf("ParseDelai(%q) = %+v, want an error", in, got)
		}
	}
}

func TestDelaiText(t *testing.T) {
	var dl Delai
	if err := dl.UnmarshalText([]byte("15d")); err != nil {
		t.Fatal(err)
	}
	text, err := dl.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	if string(text) != "15d" {
		t.Errorf("MarshalText = %q, want 15d", text)
	}
	if _, err := (Delai{}).MarshalText(); err == nil {
		t.Error("MarshalText of the zero Delai succeeded, want an error")
	}
}

func FuzzParseDelai(f *testing.F) {
	for _, seed := range []string{"2m", "1m", "15d", "0d", "999m", "1000d", "", "m", "2x", "-1d"} {
		f.Add(seed)
	}
	start := Date{2026, time.December, 24}
	f.Fuzz(func(t *testing.T, s string) {
		dl, err := ParseDelai(s)
		if err != nil {
			return
		}
		if !dl.IsValid() {
			t.Fatalf("ParseDelai(%q) = %+v, which is invalid", s, dl)
		}
		again, err := ParseDelai(dl.String())
		if err != nil || again != dl {
			t.Fatalf("ParseDelai(%q) = %+v does not round-trip through %q", s, dl, dl.String())
		}
		end := ImplicitDecision(start, dl)
		if !end.After(start) || !end.IsValid() {
			t.Fatalf("ImplicitDecision(%s, %s) = %s, want a valid later date", start, dl, end)
		}
	})
}
