package deadline

import (
	"fmt"
	"strconv"
	"time"
)

// Unit is the unit a Delai counts in.
type Unit int

// The units of a Delai.
const (
	Days   Unit = iota + 1 // calendar days, weekends and holidays included
	Months                 // calendar months, by the month rule of AddMonths
)

// MaxDelai is the largest count ParseDelai accepts, in either unit. It
// bounds the arithmetic, because real délais are a few months or days.
const MaxDelai = 999

// Delai is a délai: a length of time given in whole calendar days or
// months, such as the 2 months of silence after which a demande is
// accepted (CRPA L231-1). The zero Delai is invalid.
type Delai struct {
	N    int
	Unit Unit
}

// ParseDelai parses a délai written as a count followed by a unit letter:
// "2m" is 2 months, "15d" is 15 days. The count is between 1 and
// MaxDelai. No space, sign or other unit is accepted.
func ParseDelai(s string) (Delai, error) {
	if len(s) < 2 {
		return Delai{}, fmt.Errorf("invalid délai %q: want a count and a unit, like 2m or 15d", s)
	}
	var unit Unit
	switch s[len(s)-1] {
	case 'm':
		unit = Months
	case 'd':
		unit = Days
	default:
		return Delai{}, fmt.Errorf("invalid délai %q: unit must be m (months) or d (days)", s)
	}
	digits := s[:len(s)-1]
	for _, r := range digits {
		if r < '0' || r > '9' {
			return Delai{}, fmt.Errorf("invalid délai %q: count must be digits only", s)
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 || n > MaxDelai {
		return Delai{}, fmt.Errorf("invalid délai %q: count must be between 1 and %d", s, MaxDelai)
	}
	return Delai{N: n, Unit: unit}, nil
}

// String returns the délai in the form ParseDelai reads, like "2m".
func (dl Delai) String() string {
	switch dl.Unit {
	case Months:
		return strconv.Itoa(dl.N) + "m"
	case Days:
		return strconv.Itoa(dl.N) + "d"
	}
	return fmt.Sprintf("Delai{%d, unit %d}", dl.N, int(dl.Unit))
}

// IsValid reports whether dl has a known unit and a count between 1 and
// MaxDelai.
func (dl Delai) IsValid() bool {
	return (dl.Unit == Days || dl.Unit == Months) && dl.N >= 1 && dl.N <= MaxDelai
}

// MarshalText encodes dl as ParseDelai reads it.
func (dl Delai) MarshalText() ([]byte, error) {
	if !dl.IsValid() {
		return nil, fmt.Errorf("invalid délai %s", dl)
	}
	return []byte(dl.String()), nil
}

// UnmarshalText decodes a délai with ParseDelai.
func (dl *Delai) UnmarshalText(text []byte) error {
	parsed, err := ParseDelai(string(text))
	if err != nil {
		return err
	}
	*dl = parsed
	return nil
}

// AddMonths returns the date n months after d (before d when n is
// negative). The result has the same day number as d, or the last day of
// the target month when that month is shorter: 31 January plus one month
// is 28 February, or 29 in a leap year. This is the rule of Code de
// procédure civile art. 641 for délais in months, which the
// administrative courts apply by analogy. The result is never moved off a
// weekend or holiday.
func AddMonths(d Date, n int) Date {
	// Day 1 of the target month, normalized across years by NewDate.
	first := NewDate(d.Year, d.Month+time.Month(n), 1)
	last := lastDayOfMonth(first)
	day := min(d.Day, last.Day)
	return Date{Year: first.Year, Month: first.Month, Day: day}
}

// ImplicitDecision returns the date at the end of which silence becomes an
// implicit decision (CRPA L231-1, L231-4, L231-6): start plus delai, with
// months counted by AddMonths and days counted as calendar days. start is
// the day the délai begins, normally the date of receipt, which is not
// counted itself: a request received on 1 March with a délai of 2 months
// is decided at the end of 1 May.
//
// The date is never moved to a working day. The move to the next working
// day of Code de procédure civile art. 642 applies to délais de recours,
// not to the birth of an implicit decision. Mails state the date as
// "à l'expiration du <date>". An invalid delai returns start unchanged.
func ImplicitDecision(start Date, delai Delai) Date {
	if !delai.IsValid() {
		return start
	}
	if delai.Unit == Months {
		return AddMonths(start, delai.N)
	}
	return start.AddDays(delai.N)
}

// lastDayOfMonth returns the last day of d's month.
func lastDayOfMonth(d Date) Date {
	return NewDate(d.Year, d.Month+1, 0)
}
