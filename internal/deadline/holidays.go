package deadline

import (
	"fmt"
	"slices"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/nc"
)

// Holiday is a public holiday on one date.
type Holiday struct {
	Date Date
	Name string // French name, like "Lundi de Pâques"
}

// The Alsace-Moselle holidays of Code du travail L3134-13, added to the
// national list in Bas-Rhin, Haut-Rhin and Moselle.
var (
	vendrediSaint = aa.GoodFriday.Clone(&cal.Holiday{
		Name: "Vendredi saint",
		Type: cal.ObservancePublic,
	})
	saintEtienne = aa.ChristmasDay2.Clone(&cal.Holiday{
		Name: "Saint-Étienne",
		Type: cal.ObservancePublic,
	})
)

// territory describes the local holidays and default time zone of one
// overseas territory.
type territory struct {
	zone     string // IANA time zone used when Options.Location is nil
	holidays []*cal.Holiday
}

// territories maps the ISO 3166-1 alpha-2 code of each overseas territory
// to its local holidays. The dates follow etalab/jours-feries-france
// (github.com/etalab/jours-feries-france, jours_feries_france/compute.py),
// the reference library of the French government's open-data team. The
// abolition of slavery is a holiday in the overseas départements and in
// Saint-Barthélemy and Saint-Martin, each on its own date.
//
// NOTE: New Caledonia, French Polynesia and Wallis and Futuna have labour
// codes of their own. Their lists here are etalab's and may miss a local
// holiday. Saint-Pierre-et-Miquelon has none beyond the national list.
var territories = map[string]territory{
	"GP": {"America/Guadeloupe", []*cal.Holiday{
		abolition(time.May, 27, 0), schoelcher(),
	}},
	"MQ": {"America/Martinique", []*cal.Holiday{
		abolition(time.May, 22, 0), schoelcher(),
	}},
	"GF": {"America/Cayenne", []*cal.Holiday{abolition(time.June, 10, 0)}},
	"RE": {"Indian/Reunion", []*cal.Holiday{abolition(time.December, 20, 1981)}},
	"YT": {"Indian/Mayotte", []*cal.Holiday{abolition(time.April, 27, 0)}},
	"BL": {"America/St_Barthelemy", []*cal.Holiday{abolition(time.October, 9, 0)}},
	"MF": {"America/Marigot", []*cal.Holiday{abolition(time.May, 28, 0)}},
	"PM": {"America/Miquelon", nil},
	"NC": {"Pacific/Noumea", []*cal.Holiday{nc.FêteDeLaCitoyenneté.Clone(&cal.Holiday{
		Name: "Fête de la Citoyenneté",
		Type: cal.ObservancePublic,
	})}},
	"PF": {"Pacific/Tahiti", []*cal.Holiday{
		fixedHoliday("Fête de l'autonomie", time.June, 29, 0),
	}},
	"WF": {"Pacific/Wallis", []*cal.Holiday{
		fixedHoliday("Saint Pierre Chanel", time.April, 28, 0),
		fixedHoliday("Fête du Territoire", time.July, 29, 0),
	}},
}

// abolition returns the abolition-of-slavery holiday on month and day,
// observed from startYear on (0: every year).
func abolition(month time.Month, day, startYear int) *cal.Holiday {
	return fixedHoliday("Abolition de l'esclavage", month, day, startYear)
}

// schoelcher returns the Victor Schœlcher day of Guadeloupe and Martinique.
func schoelcher() *cal.Holiday {
	return fixedHoliday("Fête de Victor Schœlcher", time.July, 21, 0)
}

// fixedHoliday returns a public holiday on the same month and day each
// year from startYear on (0: every year).
func fixedHoliday(name string, month time.Month, day, startYear int) *cal.Holiday {
	return &cal.Holiday{
		Name:      name,
		Type:      cal.ObservancePublic,
		StartYear: startYear,
		Month:     month,
		Day:       day,
		Func:      cal.CalcDayOfMonth,
	}
}

// closureDay returns a one-off day off: a holiday in d's year only.
func closureDay(d Date) *cal.Holiday {
	return &cal.Holiday{
		Name:      "Fermeture",
		Type:      cal.ObservanceOther,
		StartYear: d.Year,
		EndYear:   d.Year,
		Month:     d.Month,
		Day:       d.Day,
		Func:      cal.CalcDayOfMonth,
	}
}

// publicHolidays returns the public holidays that apply under o: the
// national list of Code du travail L3133-1, the Alsace-Moselle additions
// and the holidays of an overseas territory.
func publicHolidays(o Options) ([]*cal.Holiday, error) {
	list := slices.Clone(fr.Holidays)
	if o.AlsaceMoselle {
		list = append(list, saintEtienne)
		if o.GoodFriday {
			list = append(list, vendrediSaint)
		}
	}
	if o.Overseas != "" {
		t, ok := territories[o.Overseas]
		if !ok {
			return nil, fmt.Errorf("unknown overseas territory %q: use one of %s",
				o.Overseas, territoryCodes())
		}
		list = append(list, t.holidays...)
	}
	return list, nil
}

// territoryCodes returns the known territory codes, sorted and joined.
func territoryCodes() string {
	codes := make([]string, 0, len(territories))
	for code := range territories {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return fmt.Sprint(codes)
}
