package deadline

import (
	"testing"
	"time"
)

func TestAddWorkingDays(t *testing.T) {
	closures := Options{ClosureDays: []Date{
		{2026, time.December, 24}, {2026, time.December, 31}, {2027, time.May, 7},
	}}
	tests := []struct {
		name string
		opts Options
		from string
		n    int
		want string
	}{
		{"zero keeps day", Options{}, "2027-01-02", 0, "2027-01-02"},
		{"thursday plus one", Options{}, "2027-01-14", 1, "2027-01-15"},
		{"friday plus one", Options{}, "2027-01-15", 1, "2027-01-18"},
		{"saturday plus one", Options{}, "2027-01-16", 1, "2027-01-18"},
		{"sunday plus five", Options{}, "2027-01-17", 5, "2027-01-22"},
		{"over year end", Options{}, "2027-12-30", 1, "2027-12-31"},
		{"friday year end", Options{}, "2027-12-31", 1, "2028-01-03"},
		{"new year on saturday", Options{}, "2027-12-31", 2, "2028-01-04"},
		{"holiday itself", Options{}, "2026-12-25", 1, "2026-12-28"},
		{"whit monday", Options{}, "2027-05-14", 1, "2027-05-18"},
		{"may bridges", Options{}, "2027-04-30", 5, "2027-05-10"},
		{"closure before christmas", closures, "2026-12-23", 1, "2026-12-28"},
		{"closure before new year", closures, "2026-12-29", 2, "2027-01-04"},
		{"closure pont", closures, "2027-05-05", 1, "2027-05-10"},
		{"alsace boxing day", Options{AlsaceMoselle: true}, "2029-12-24", 1, "2029-12-27"},
		{"metropole boxing day", Options{}, "2029-12-24", 1, "2029-12-26"},
		{"reunion abolition", Options{Overseas: "RE"}, "2027-12-17", 1, "2027-12-21"},
		{"backwards", Options{}, "2027-01-04", -1, "2026-12-31"},
		{"backwards over christmas", Options{}, "2026-12-28", -1, "2026-12-24"},
		{"leap day", Options{}, "2028-02-28", 1, "2028-02-29"},
		{"twenty days", Options{}, "2027-04-30", 20, "2027-06-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.opts)
			got := c.AddWorkingDays(date(t, tt.from), tt.n)
			if got.String() != tt.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s (%s), want %s",
					tt.from, tt.n, got, got.Weekday(), tt.want)
			}
			if tt.n != 0 && !c.IsWorkingDay(got) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, not a working day", tt.from, tt.n, got)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := newCalendar(t, Options{})
	tests := []struct {
		day  string
		want bool
	}{
		{"2027-05-07", true},  // pont after Ascension
		{"2027-05-06", false}, // Ascension
		{"2027-05-08", false}, // Saturday and holiday
		{"2027-05-10", true},
		{"2027-01-01", false},
		{"2027-01-03", false}, // Sunday
	}
	for _, tt := range tests {
		if got := c.IsWorkingDay(date(t, tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}
