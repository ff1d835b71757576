package deadline

import (
	"slices"
	"testing"
	"time"
)

// easterSundays are the dates of Western (Gregorian) Easter Sunday,
// written out by hand and checked against easter() of python-dateutil
// 2.8, which shares no code with rickar/cal. They document the movable
// holidays below and are not read by the code under test.
var easterSundays = map[int]string{
	2024: "2024-03-31",
	2025: "2025-04-20",
	2026: "2026-04-05",
	2027: "2027-03-28",
	2028: "2028-04-16",
	2029: "2029-04-01",
	2030: "2030-04-21",
}

// metropoleHolidays are the 11 national holidays of each year, in date
// order. Easter Monday, Ascension (Easter + 39 days) and Whit Monday
// (Easter + 50 days) are counted by hand from easterSundays.
var metropoleHolidays = map[int][]string{
	2024: {"2024-01-01", "2024-04-01", "2024-05-01", "2024-05-08", "2024-05-09", "2024-05-20",
		"2024-07-14", "2024-08-15", "2024-11-01", "2024-11-11", "2024-12-25"},
	2025: {"2025-01-01", "2025-04-21", "2025-05-01", "2025-05-08", "2025-05-29", "2025-06-09",
		"2025-07-14", "2025-08-15", "2025-11-01", "2025-11-11", "2025-12-25"},
	2026: {"2026-01-01", "2026-04-06", "2026-05-01", "2026-05-08", "2026-05-14", "2026-05-25",
		"2026-07-14", "2026-08-15", "2026-11-01", "2026-11-11", "2026-12-25"},
	2027: {"2027-01-01", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-08", "2027-05-17",
		"2027-07-14", "2027-08-15", "2027-11-01", "2027-11-11", "2027-12-25"},
	2028: {"2028-01-01", "2028-04-17", "2028-05-01", "2028-05-08", "2028-05-25", "2028-06-05",
		"2028-07-14", "2028-08-15", "2028-11-01", "2028-11-11", "2028-12-25"},
	2029: {"2029-01-01", "2029-04-02", "2029-05-01", "2029-05-08", "2029-05-10", "2029-05-21",
		"2029-07-14", "2029-08-15", "2029-11-01", "2029-11-11", "2029-12-25"},
	2030: {"2030-01-01", "2030-04-22", "2030-05-01", "2030-05-08", "2030-05-30", "2030-06-10",
		"2030-07-14", "2030-08-15", "2030-11-01", "2030-11-11", "2030-12-25"},
}

// goodFridays are Easter Sunday minus 2 days, counted by hand.
var goodFridays = map[int]string{
	2024: "2024-03-29",
	2025: "2025-04-18",
	2026: "2026-04-03",
	2027: "2027-03-26",
	2028: "2028-04-14",
	2029: "2029-03-30",
	2030: "2030-04-19",
}

// holidayDates returns the dates of c's holidays in year, as strings.
func holidayDates(c *Calendar, year int) []string {
	var dates []string
	for _, h := range c.Holidays(year) {
		dates = append(dates, h.Date.String())
	}
	return dates
}

// sortedWith returns base plus extra, sorted.
func sortedWith(base []string, extra ...string) []string {
	list := append(slices.Clone(base), extra...)
	slices.Sort(list)
	return list
}

func TestHolidaysMetropole(t *testing.T) {
	c := newCalendar(t, Options{})
	for year := 2024; year <= 2030; year++ {
		got := holidayDates(c, year)
		if want := metropoleHolidays[year]; !slices.Equal(got, want) {
			t.Errorf("Holidays(%d)\n got %v\nwant %v", year, got, want)
		}
		easter := date(t, easterSundays[year])
		if c.IsWorkingDay(easter.AddDays(1)) {
			t.Errorf("Easter Monday %d is a working day", year)
		}
	}
}

func TestHolidaysAlsaceMoselle(t *testing.T) {
	withFriday := newCalendar(t, Options{AlsaceMoselle: true, GoodFriday: true})
	without := newCalendar(t, Options{AlsaceMoselle: true})
	for year := 2024; year <= 2030; year++ {
		stEtienne := time.Date(year, time.December, 26, 0, 0, 0, 0, time.UTC).Format("2006-01-02")

		want := sortedWith(metropoleHolidays[year], goodFridays[year], stEtienne)
		if got := holidayDates(withFriday, year); !slices.Equal(got, want) {
			t.Errorf("Holidays(%d) with Good Friday\n got %v\nwant %v", year, got, want)
		}
		want = sortedWith(metropoleHolidays[year], stEtienne)
		if got := holidayDates(without, year); !slices.Equal(got, want) {
			t.Errorf("Holidays(%d) without Good Friday\n got %v\nwant %v", year, got, want)
		}
	}
}

func TestHolidaysOverseas(t *testing.T) {
	tests := []struct {
		code  string
		extra []string // 2027 dates added to the national list
	}{
		{"GP", []string{"2027-05-27", "2027-07-21"}},
		{"MQ", []string{"2027-05-22", "2027-07-21"}},
		{"GF", []string{"2027-06-10"}},
		{"RE", []string{"2027-12-20"}},
		{"YT", []string{"2027-04-27"}},
		{"BL", []string{"2027-10-09"}},
		{"MF", []string{"2027-05-28"}},
		{"PM", nil},
		{"NC", []string{"2027-09-24"}},
		{"PF", []string{"2027-06-29"}},
		{"WF", []string{"2027-04-28", "2027-07-29"}},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c := newCalendar(t, Options{Overseas: tt.code})
			want := sortedWith(metropoleHolidays[2027], tt.extra...)
			if got := holidayDates(c, 2027); !slices.Equal(got, want) {
				t.Errorf("Holidays(2027)\n got %v\nwant %v", got, want)
			}
		})
	}
}

func TestHolidaysReunionEveryYear(t *testing.T) {
	c := newCalendar(t, Options{Overseas: "RE"})
	for year := 2024; year <= 2030; year++ {
		abolition := time.Date(year, time.December, 20, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
		want := sortedWith(metropoleHolidays[year], abolition)
		if got := holidayDates(c, year); !slices.Equal(got, want) {
			t.Errorf("Holidays(%d)\n got %v\nwant %v", year, got, want)
		}
	}
}

func TestHolidayNames(t *testing.T) {
	c := newCalendar(t, Options{AlsaceMoselle: true, GoodFriday: true})
	tests := []struct {
		day  string
		want string
	}{
		{"2027-03-26", "Vendredi saint"},
		{"2027-03-29", "Lundi de Pâques"},
		{"2027-12-26", "Saint-Étienne"},
		{"2027-07-14", "Fête Nationale"},
	}
	for _, tt := range tests {
		name, ok := c.IsHoliday(date(t, tt.day))
		if !ok {
			t.Errorf("IsHoliday(%s) = false, want %q", tt.day, tt.want)
			continue
		}
		if name != tt.want {
			t.Errorf("IsHoliday(%s) name = %q, want %q", tt.day, name, tt.want)
		}
	}
	if name, ok := c.IsHoliday(date(t, "2027-05-07")); ok {
		t.Errorf("IsHoliday(pont 2027-05-07) = %q, want no holiday", name)
	}
}

func TestClosureDaysAreNotHolidays(t *testing.T) {
	pont := date(t, "2027-05-07")
	c := newCalendar(t, Options{ClosureDays: []Date{pont, pont}})
	if c.IsWorkingDay(pont) {
		t.Error("closure day 2027-05-07 is a working day")
	}
	if _, ok := c.IsHoliday(pont); ok {
		t.Error("closure day 2027-05-07 is listed as a public holiday")
	}
	if got := len(c.Holidays(2027)); got != 11 {
		t.Errorf("len(Holidays(2027)) = %d, want 11", got)
	}
	if got := c.ClosureDays(); !slices.Equal(got, []Date{pont}) {
		t.Errorf("ClosureDays = %v, want [%s]", got, pont)
	}
	if !c.IsWorkingDay(date(t, "2026-05-07")) {
		t.Error("closure day of 2027 also closes Thursday 2026-05-07")
	}
}
