package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/sved-project/sved/internal/deadline"
)

// TestCalendarValidation checks each rule on the calendar options, the
// default nature of an intake address and the délai of a nature.
func TestCalendarValidation(t *testing.T) {
	const t0 = "collectivites[0]"
	tests := []struct {
		name  string
		edit  func(t *testing.T, m map[string]any)
		paths []string
		msg   string
	}{
		{"invalid closure day", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".calendar", map[string]any{
				"closure_days": []any{"2027-05-07", "2027-08-16", "2027-13-01"},
			})
		}, []string{t0 + ".calendar.closure_days[2]"}, `invalid date "2027-13-01"; write it as YYYY-MM-DD`},
		{"closure day in French order", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".calendar", map[string]any{"closure_days": []any{"07/05/2027"}})
		}, []string{t0 + ".calendar.closure_days[0]"}, "invalid date"},
		{"good friday outside alsace-moselle", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".calendar", map[string]any{"good_friday": true})
		}, []string{t0 + ".calendar.good_friday"}, "without alsace_moselle"},
		{"alsace-moselle overseas", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".calendar", map[string]any{"alsace_moselle": true, "overseas": "RE"})
		}, []string{t0 + ".calendar.overseas"}, "set with alsace_moselle"},
		{"unknown territory", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".calendar", map[string]any{"overseas": "XX"})
		}, []string{t0 + ".calendar.overseas"}, "invalid calendar"},
		{"unknown calendar key", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".calendar", map[string]any{"alsace": true})
		}, []string{t0 + ".calendar.alsace"}, "unknown key"},
		{"unknown intake nature", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".intake[0].nature", "permis")
		}, []string{t0 + ".intake[0].nature"}, `unknown nature "permis"; use one of: acte, cu, info`},
		{"intake nature without natures", func(t *testing.T, m map[string]any) {
			set(t, m, "collectivites[1].intake[0].nature", "info")
		}, []string{"collectivites[1].intake[0].nature"}, "define it under natures"},
		{"délai of zero months", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".natures[2].delai", "0m")
		}, []string{t0 + ".natures[2].delai"}, "invalid délai"},
		{"délai in weeks", func(t *testing.T, m map[string]any) {
			set(t, m, t0+".natures[2].delai", "2w")
		}, []string{t0 + ".natures[2].delai"}, "invalid délai"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := baseMap(t)
			tc.edit(t, m)
			_, err := Parse(marshal(t, m))
			problems := fieldErrors(t, err)
			var paths []string
			for _, fe := range problems {
				paths = append(paths, fe.Path)
			}
			if !slices.Equal(paths, tc.paths) {
				t.Fatalf("paths = %q, want %q\nerror:\n%v", paths, tc.paths, err)
			}
			if !strings.Contains(problems[0].Message, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", problems[0].Message, tc.msg)
			}
		})
	}
}

func TestTenantCalendar(t *testing.T) {
	cfg := mustParse(t, strings.Replace(baseYAML, "    natures:\n", `    calendar:
      alsace_moselle: true
      good_friday: true
      closure_days: [2027-05-07, "2027-08-16"]
    natures:
`, 1))
	cal := cfg.Tenants[0].Calendar()
	if cal == nil {
		t.Fatal("Calendar() = nil after Parse")
	}
	if cal.Location().String() != "Europe/Paris" {
		t.Errorf("calendar zone = %s, want Europe/Paris", cal.Location())
	}
	for _, s := range []string{"2027-05-07", "2027-08-16", "2027-03-26", "2027-12-27"} {
		d, _ := deadline.ParseDate(s)
		if s == "2027-12-27" {
			// 27 December is no holiday, even in Alsace-Moselle.
			if !cal.IsWorkingDay(d) {
				t.Errorf("%s is not a working day", s)
			}
			continue
		}
		if cal.IsWorkingDay(d) {
			t.Errorf("%s is a working day, want closed", s)
		}
	}

	other := cfg.Tenants[1].Calendar()
	if other == nil {
		t.Fatal("Calendar() of the second tenant = nil")
	}
	if other.Location().String() != "America/Cayenne" {
		t.Errorf("second calendar zone = %s, want America/Cayenne", other.Location())
	}
	if got := cfg.Tenants[0].Nature("cu").ParsedDelai().String(); got != "1m" {
		t.Errorf("ParsedDelai of cu = %q, want 1m", got)
	}
	if got := cfg.Tenants[0].Nature("acte").ParsedDelai().String(); got != "2m" {
		t.Errorf("ParsedDelai of acte (default) = %q, want 2m", got)
	}
}

func TestIntakeDefaultNature(t *testing.T) {
	cfg := mustParse(t, strings.Replace(baseYAML, "        service: urbanisme\n",
		"        service: urbanisme\n        nature: cu\n", 1))
	in := cfg.Tenants[0].Intake[1]
	if in.Nature != "cu" {
		t.Errorf("intake[1].nature = %q, want cu", in.Nature)
	}
}
