package deadline

import (
	"fmt"
	"time"
)

// Date is a civil date: a day in the calendar with no time of day and no
// time zone. Legal délais count days, so sved computes on civil dates and
// turns them into instants only at the edge (Calendar.StartOfDay,
// Calendar.EndOfDay). Adding days to a Date can never drift by an hour
// across a daylight-saving change, which adding 24 h to a time.Time can.
//
// The zero Date means "no date"; IsZero reports it.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// dateLayout is the ISO 8601 form of a Date, used by String and ParseDate.
const dateLayout = "2006-01-02"

const secondsPerDay = 24 * 60 * 60

// NewDate returns the Date year-month-day, normalized the way time.Date
// normalizes it: 2027-02-31 becomes 2027-03-03.
func NewDate(year int, month time.Month, day int) Date {
	return DateOf(time.Date(year, month, day, 12, 0, 0, 0, time.UTC))
}

// DateOf returns the civil date of t in t's own location. Convert t with
// t.In first to get its date in another zone.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses a date written as YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q, want YYYY-MM-DD: %w", s, err)
	}
	return DateOf(t), nil
}

// String returns the date as YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool {
	return d == Date{}
}

// IsValid reports whether d names a day that exists, between years 1 and
// 9999.
func (d Date) IsValid() bool {
	if d.Year < 1 || d.Year > 9999 {
		return false
	}
	return NewDate(d.Year, d.Month, d.Day) == d
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return d.noonUTC().Weekday()
}

// AddDays returns the date n days after d (before d when n is negative).
func (d Date) AddDays(n int) Date {
	return NewDate(d.Year, d.Month, d.Day+n)
}

// DaysUntil returns the number of days from d to e, negative when e is
// before d.
func (d Date) DaysUntil(e Date) int {
	return int((e.noonUTC().Unix() - d.noonUTC().Unix()) / secondsPerDay)
}

// Compare returns -1 if d is before e, +1 if d is after e, and 0 if they
// are the same day.
func (d Date) Compare(e Date) int {
	return d.noonUTC().Compare(e.noonUTC())
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	return d.Compare(e) < 0
}

// After reports whether d is after e.
func (d Date) After(e Date) bool {
	return d.Compare(e) > 0
}

// MarshalText encodes d as YYYY-MM-DD, or as an empty string for the zero
// Date.
func (d Date) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText decodes a date written as YYYY-MM-DD. An empty text
// decodes to the zero Date.
func (d *Date) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*d = Date{}
		return nil
	}
	parsed, err := ParseDate(string(text))
	if err != nil {
		return err
	}
	*d = parsed
	return nil
}

// noonUTC returns noon UTC on d. Noon keeps the day intact under any
// rounding, and UTC has no daylight-saving changes.
func (d Date) noonUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}
