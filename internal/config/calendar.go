package config

import (
	"fmt"

	"github.com/sved-project/sved/internal/deadline"
)

// CalendarConfig is the working-day calendar of a tenant: which local
// public holidays apply and which days the collectivité closes. It
// decides the AEE, ARE and implicit-decision dates.
type CalendarConfig struct {
	// AlsaceMoselle adds 26 December, a holiday in Bas-Rhin, Haut-Rhin
	// and Moselle.
	AlsaceMoselle bool `mapstructure:"alsace_moselle"`
	// GoodFriday adds Good Friday, a holiday only in the Alsace-Moselle
	// communes that have a Protestant or mixed church. It requires
	// AlsaceMoselle.
	GoodFriday bool `mapstructure:"good_friday"`
	// Overseas is the ISO 3166-1 alpha-2 code of an overseas territory
	// ("GP", "MQ", "GF", "RE", "YT"...), which adds its local holidays.
	Overseas string `mapstructure:"overseas"`
	// ClosureDays are days written YYYY-MM-DD on which the collectivité
	// closes although they are no public holiday, such as the Friday
	// after Ascension. They push back the AEE and ARE due dates.
	ClosureDays []string `mapstructure:"closure_days"`
}

// Calendar returns the tenant's working-day calendar, built by Validate.
// It returns nil for a tenant that did not pass validation.
func (t *Tenant) Calendar() *deadline.Calendar {
	return t.calendar
}

// validateCalendar parses the calendar options and builds the calendar
// in the tenant's Location, which validateTimeZone loads first.
func (t *Tenant) validateCalendar(p *problems, path string) {
	c := t.CalendarOptions
	opts := deadline.Options{
		Location:      t.Location,
		AlsaceMoselle: c.AlsaceMoselle,
		GoodFriday:    c.GoodFriday,
		Overseas:      c.Overseas,
	}
	ok := true
	for i, s := range c.ClosureDays {
		d, err := deadline.ParseDate(s)
		if err != nil {
			p.add(fmt.Sprintf("%s.closure_days[%d]", path, i),
				"invalid date %q; write it as YYYY-MM-DD, like 2027-05-07", s)
			ok = false
			continue
		}
		opts.ClosureDays = append(opts.ClosureDays, d)
	}
	switch {
	case c.GoodFriday && !c.AlsaceMoselle:
		p.add(path+".good_friday", "set without alsace_moselle; Good Friday is a holiday only in Alsace-Moselle")
		ok = false
	case c.AlsaceMoselle && c.Overseas != "":
		p.add(path+".overseas", "set with alsace_moselle; a collectivité is in one or the other, remove one")
		ok = false
	}
	if !ok || t.Location == nil {
		return
	}
	cal, err := deadline.New(opts)
	if err != nil {
		key := path
		if c.Overseas != "" {
			key = path + ".overseas"
		}
		p.add(key, "invalid calendar: %v", err)
		return
	}
	t.calendar = cal
}
