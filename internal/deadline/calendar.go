package deadline

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/rickar/cal/v2"
)

// DefaultZone is the time zone of a Calendar whose Options name neither a
// Location nor an overseas territory.
const DefaultZone = "Europe/Paris"

// Options configures the Calendar of one collectivité.
type Options struct {
	// Location is the zone in which instants become legal dates. When nil,
	// it is the zone of the Overseas territory, else Europe/Paris.
	Location *time.Location

	// AlsaceMoselle adds 26 December, a holiday in Bas-Rhin, Haut-Rhin and
	// Moselle (Code du travail L3134-13).
	AlsaceMoselle bool

	// GoodFriday adds Good Friday. In Alsace-Moselle it is a holiday only
	// in communes that have a Protestant or mixed church (L3134-13), so it
	// is set per commune. It requires AlsaceMoselle.
	GoodFriday bool

	// Overseas is the ISO 3166-1 alpha-2 code of an overseas territory
	// ("GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF"),
	// which adds its local holidays, or "" for metropolitan France.
	Overseas string

	// ClosureDays are the days the collectivité closes although they are
	// no public holiday, such as the Friday after Ascension. They are not
	// jours ouvrés, so they push back the AEE and ARE due dates. A pont
	// not listed here is a working day.
	ClosureDays []Date
}

// Calendar is the working-day calendar of one collectivité: its public
// holidays, its closure days and its time zone. A Calendar is safe for
// concurrent use.
type Calendar struct {
	loc      *time.Location
	holidays []*cal.Holiday        // public holidays, for Holidays
	closures []Date                // sorted closure days
	business *cal.BusinessCalendar // holidays plus closure days, Monday to Friday
	options  Options
}

// New returns the Calendar described by o. It fails on an unknown
// territory, on GoodFriday without AlsaceMoselle, on AlsaceMoselle with a
// territory, on an invalid closure day, and when the time zone cannot be
// loaded.
func New(o Options) (*Calendar, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	holidays, err := publicHolidays(o)
	if err != nil {
		return nil, err
	}
	loc, err := o.location()
	if err != nil {
		return nil, err
	}

	closures := slices.Clone(o.ClosureDays)
	slices.SortFunc(closures, Date.Compare)
	closures = slices.Compact(closures)

	business := cal.NewBusinessCalendar()
	business.Cacheable = true
	business.AddHoliday(holidays...)
	for _, d := range closures {
		business.AddHoliday(closureDay(d))
	}

	o.ClosureDays = closures
	c := &Calendar{
		loc:      loc,
		holidays: holidays,
		closures: closures,
		business: business,
		options:  o,
	}
	return c, nil
}

// validate checks the combinations of o that New rejects.
func (o Options) validate() error {
	if o.GoodFriday && !o.AlsaceMoselle {
		return errors.New("invalid calendar options: Good Friday is a holiday only in Alsace-Moselle, so set AlsaceMoselle too")
	}
	if o.AlsaceMoselle && o.Overseas != "" {
		return fmt.Errorf("invalid calendar options: Alsace-Moselle and overseas territory %q exclude each other", o.Overseas)
	}
	for _, d := range o.ClosureDays {
		if !d.IsValid() {
			return fmt.Errorf("invalid closure day %+v: no such date", d)
		}
	}
	return nil
}

// location returns o.Location, else the zone of the territory, else
// Europe/Paris.
func (o Options) location() (*time.Location, error) {
	if o.Location != nil {
		return o.Location, nil
	}
	name := DefaultZone
	if t, ok := territories[o.Overseas]; ok {
		name = t.zone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("load time zone %q: %w", name, err)
	}
	return loc, nil
}

// Location returns the zone in which the calendar dates instants.
func (c *Calendar) Location() *time.Location {
	return c.loc
}

// Options returns the options the calendar was built from, with its
// closure days sorted and without duplicates.
func (c *Calendar) Options() Options {
	o := c.options
	o.ClosureDays = slices.Clone(c.closures)
	return o
}

// IsWorkingDay reports whether d is a jour ouvré: Monday to Friday, and
// neither a public holiday nor a closure day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	return c.business.IsWorkday(d.noonUTC())
}

// IsHoliday reports whether d is a public holiday, and returns its name.
// Closure days are not public holidays.
func (c *Calendar) IsHoliday(d Date) (name string, ok bool) {
	for _, h := range c.Holidays(d.Year) {
		if h.Date == d {
			return h.Name, true
		}
	}
	return "", false
}

// Holidays returns the public holidays of year, sorted by date. Closure
// days are not included.
func (c *Calendar) Holidays(year int) []Holiday {
	var list []Holiday
	for _, h := range c.holidays {
		actual, _ := h.Calc(year)
		if actual.IsZero() {
			continue
		}
		list = append(list, Holiday{Date: DateOf(actual), Name: h.Name})
	}
	slices.SortStableFunc(list, func(a, b Holiday) int {
		return a.Date.Compare(b.Date)
	})
	return list
}

// ClosureDays returns the closure days of the calendar, sorted.
func (c *Calendar) ClosureDays() []Date {
	return slices.Clone(c.closures)
}

// AddWorkingDays returns the n-th jour ouvré after d. The day d itself is
// not counted, whether or not it is a working day, following Code de
// procédure civile art. 641. With n = 1, a Thursday gives the Friday and a
// Saturday gives the Monday. A negative n counts backwards and n = 0
// returns d.
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	return DateOf(c.business.WorkdaysFrom(d.noonUTC(), n))
}

// ReceiptDate returns the legal date of receipt of an item stored at
// instant t: its civil date in the calendar's zone. A receipt on a Sunday
// or a holiday keeps that date, and the délais that start from it count
// working days from the next day.
func (c *Calendar) ReceiptDate(t time.Time) Date {
	return DateOf(t.In(c.loc))
}

// AEEDue returns the day by whose end the accusé d'enregistrement of an
// item received at instant received is due: the first jour ouvré after the
// date of receipt. CRPA L112-11 requires the AEE, and the decree applying
// it sets the délai of one jour ouvré.
func (c *Calendar) AEEDue(received time.Time) Date {
	return c.AddWorkingDays(c.ReceiptDate(received), 1)
}

// AREDue returns the day by whose end the accusé de réception of an item
// received at instant received is due: the 10th jour ouvré after the date
// of receipt. CRPA L112-11 requires the ARE, and décret 2016-1411 set the
// délai at 10 jours ouvrés.
func (c *Calendar) AREDue(received time.Time) Date {
	return c.AddWorkingDays(c.ReceiptDate(received), 10)
}

// StartOfDay returns the first instant of d in the calendar's zone.
func (c *Calendar) StartOfDay(d Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, c.loc)
}

// EndOfDay returns the first instant after d in the calendar's zone, which
// is when a due date d has passed. The day may last 23 or 25 hours when the
// clocks change.
func (c *Calendar) EndOfDay(d Date) time.Time {
	return c.StartOfDay(d.AddDays(1))
}
