package deadline

import (
	"testing"
	"time"
)

// paris loads Europe/Paris or fails the test.
func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("load Europe/Paris: %v", err)
	}
	return loc
}

// date parses YYYY-MM-DD or fails the test.
func date(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newCalendar builds a Calendar from o or fails the test.
func newCalendar(t testing.TB, o Options) *Calendar {
	t.Helper()
	c, err := New(o)
	if err != nil {
		t.Fatalf("New(%+v): %v", o, err)
	}
	return c
}

// TestWorkedExamples checks the dates of the reference examples: receipt
// instant, then AEE due, ARE due and implicit decision.
func TestWorkedExamples(t *testing.T) {
	loc := paris(t)
	local := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC() // receipts are stored in UTC
	}
	utc := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name     string
		opts     Options
		received time.Time
		receipt  string
		weekday  time.Weekday
		delai    string
		aee      string
		are      string
		decision string
	}{
		{"1 christmas eve", Options{}, local("2026-12-24 23:30"),
			"2026-12-24", time.Thursday, "2m", "2026-12-28", "2027-01-11", "2027-02-24"},
		{"1b christmas eve utc", Options{}, utc("2026-12-24 23:30"),
			"2026-12-25", time.Friday, "2m", "2026-12-28", "2027-01-11", "2027-02-25"},
		{"2a pont friday", Options{}, local("2027-05-07 10:00"),
			"2027-05-07", time.Friday, "2m", "2027-05-10", "2027-05-24", "2027-07-07"},
		{"2b before ascension", Options{}, local("2027-05-05 18:00"),
			"2027-05-05", time.Wednesday, "2m", "2027-05-07", "2027-05-21", "2027-07-05"},
		{"2b pont closed", Options{ClosureDays: []Date{{2027, time.May, 7}}},
			local("2027-05-05 18:00"),
			"2027-05-05", time.Wednesday, "2m", "2027-05-10", "2027-05-24", "2027-07-05"},
		{"3 sunday end of month", Options{}, local("2027-01-31 14:00"),
			"2027-01-31", time.Sunday, "2m", "2027-02-01", "2027-02-12", "2027-03-31"},
		{"3 cada one month", Options{}, local("2027-01-31 14:00"),
			"2027-01-31", time.Sunday, "1m", "2027-02-01", "2027-02-12", "2027-02-28"},
		{"4 new year eve", Options{}, local("2026-12-31 09:00"),
			"2026-12-31", time.Thursday, "2m", "2027-01-04", "2027-01-15", "2027-02-28"},
		{"5 after dst end", Options{}, utc("2026-10-31 23:30"),
			"2026-11-01", time.Sunday, "2m", "2026-11-02", "2026-11-16", "2027-01-01"},
		{"6 easter metropole", Options{}, local("2027-03-25 11:00"),
			"2027-03-25", time.Thursday, "2m", "2027-03-26", "2027-04-09", "2027-05-25"},
		{"6 easter alsace-moselle", Options{AlsaceMoselle: true, GoodFriday: true},
			local("2027-03-25 11:00"),
			"2027-03-25", time.Thursday, "2m", "2027-03-30", "2027-04-12", "2027-05-25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.opts)
			receipt := c.ReceiptDate(tt.received)
			if got := receipt.String(); got != tt.receipt {
				t.Errorf("ReceiptDate(%s) = %s, want %s", tt.received, got, tt.receipt)
			}
			if got := receipt.Weekday(); got != tt.weekday {
				t.Errorf("receipt weekday = %s, want %s", got, tt.weekday)
			}
			if got := c.AEEDue(tt.received).String(); got != tt.aee {
				t.Errorf("AEEDue = %s, want %s", got, tt.aee)
			}
			if got := c.AREDue(tt.received).String(); got != tt.are {
				t.Errorf("AREDue = %s, want %s", got, tt.are)
			}
			delai, err := ParseDelai(tt.delai)
			if err != nil {
				t.Fatal(err)
			}
			if got := ImplicitDecision(receipt, delai).String(); got != tt.decision {
				t.Errorf("ImplicitDecision(%s, %s) = %s, want %s", receipt, delai, got, tt.decision)
			}
		})
	}
}

func TestWorkedExampleIncompleteSVA(t *testing.T) {
	c := newCalendar(t, Options{})
	received := time.Date(2026, time.December, 24, 23, 30, 0, 0, paris(t))
	receipt := c.ReceiptDate(received)
	requests := []PiecesRequest{{
		Requested: date(t, "2027-01-04"),
		Granted:   Delai{N: 1, Unit: Months},
		Received:  date(t, "2027-01-20"),
	}}
	got, ok := ImplicitAcceptance(receipt, Delai{N: 2, Unit: Months}, requests)
	if !ok {
		t.Fatal("ImplicitAcceptance: ok = false with all pieces received")
	}
	if want := "2027-03-20"; got.String() != want {
		t.Errorf("ImplicitAcceptance = %s, want %s", got, want)
	}
	if got.Weekday() != time.Saturday {
		t.Errorf("weekday = %s, want Saturday (no shift)", got.Weekday())
	}
}

func TestWorkedExampleRecours(t *testing.T) {
	c := newCalendar(t, Options{})
	got := c.RecoursDeadline(date(t, "2027-02-24"), 2)
	if want := "2027-04-26"; got.String() != want {
		t.Errorf("RecoursDeadline = %s, want %s", got, want)
	}
}

func TestRecoursDeadline(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		decision string
		months   int
		want     string
	}{
		{"weekday end", Options{}, "2027-03-09", 2, "2027-05-10"},
		{"pont friday end", Options{}, "2027-03-06", 2, "2027-05-07"},
		{"saturday end", Options{}, "2027-02-23", 2, "2027-04-26"},
		{"end on holiday", Options{}, "2027-05-13", 2, "2027-07-15"},
		{"holiday then weekend", Options{}, "2028-05-13", 2, "2028-07-17"},
		{"short month", Options{}, "2026-10-31", 1, "2026-12-01"},
		{"end of month", Options{}, "2026-12-31", 2, "2027-03-01"},
		{"christmas alsace", Options{AlsaceMoselle: true}, "2029-10-24", 2, "2029-12-27"},
		{"christmas metropole", Options{}, "2029-10-24", 2, "2029-12-26"},
		{"closure day ignored", Options{ClosureDays: []Date{{2027, time.May, 10}}},
			"2027-03-09", 2, "2027-05-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.opts)
			got := c.RecoursDeadline(date(t, tt.decision), tt.months)
			if got.String() != tt.want {
				t.Errorf("RecoursDeadline(%s, %d) = %s (%s), want %s",
					tt.decision, tt.months, got, got.Weekday(), tt.want)
			}
		})
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"good friday alone", Options{GoodFriday: true}},
		{"alsace and overseas", Options{AlsaceMoselle: true, Overseas: "RE"}},
		{"unknown territory", Options{Overseas: "XX"}},
		{"lowercase territory", Options{Overseas: "re"}},
		{"closure 31 february", Options{ClosureDays: []Date{{2027, time.February, 31}}}},
		{"closure zero", Options{ClosureDays: []Date{{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil {
				t.Errorf("New(%+v) succeeded, want an error", tt.opts)
			}
		})
	}
}

func TestNewLocation(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"default", Options{}, "Europe/Paris"},
		{"reunion", Options{Overseas: "RE"}, "Indian/Reunion"},
		{"guyane", Options{Overseas: "GF"}, "America/Cayenne"},
		{"explicit wins", Options{Overseas: "RE", Location: time.UTC}, "UTC"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.opts)
			if got := c.Location().String(); got != tt.want {
				t.Errorf("Location = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestReceiptDateZones(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		instant time.Time
		want    string
	}{
		{"paris summer before midnight", Options{},
			time.Date(2026, time.June, 30, 21, 59, 0, 0, time.UTC), "2026-06-30"},
		{"paris summer after midnight", Options{},
			time.Date(2026, time.June, 30, 22, 0, 0, 0, time.UTC), "2026-07-01"},
		{"paris winter after midnight", Options{},
			time.Date(2026, time.December, 31, 23, 0, 0, 0, time.UTC), "2027-01-01"},
		{"paris dst start night", Options{},
			time.Date(2027, time.March, 28, 0, 30, 0, 0, time.UTC), "2027-03-28"},
		{"reunion ahead of utc", Options{Overseas: "RE"},
			time.Date(2026, time.December, 19, 20, 30, 0, 0, time.UTC), "2026-12-20"},
		{"guadeloupe behind utc", Options{Overseas: "GP"},
			time.Date(2026, time.May, 27, 2, 0, 0, 0, time.UTC), "2026-05-26"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCalendar(t, tt.opts)
			if got := c.ReceiptDate(tt.instant).String(); got != tt.want {
				t.Errorf("ReceiptDate(%s) = %s, want %s", tt.instant, got, tt.want)
			}
		})
	}
}

func TestEndOfDayAcrossDST(t *testing.T) {
	c := newCalendar(t, Options{})
	tests := []struct {
		day    string
		length time.Duration
	}{
		{"2026-10-25", 25 * time.Hour},
		{"2027-03-28", 23 * time.Hour},
		{"2027-01-15", 24 * time.Hour},
	}
	for _, tt := range tests {
		d := date(t, tt.day)
		start, end := c.StartOfDay(d), c.EndOfDay(d)
		if got := end.Sub(start); got != tt.length {
			t.Errorf("%s lasts %s, want %s", tt.day, got, tt.length)
		}
		if got := c.ReceiptDate(end.Add(-time.Nanosecond)); got != d {
			t.Errorf("last instant of %s has date %s", tt.day, got)
		}
		if got := c.ReceiptDate(end); got != d.AddDays(1) {
			t.Errorf("EndOfDay(%s) has date %s, want the next day", tt.day, got)
		}
	}
}

func TestCalendarConcurrentUse(t *testing.T) {
	c := newCalendar(t, Options{AlsaceMoselle: true, GoodFriday: true})
	start := date(t, "2026-01-01")
	done := make(chan Date)
	for range 8 {
		go func() {
			d := start
			for range 200 {
				d = c.AddWorkingDays(d, 1)
			}
			done <- d
		}()
	}
	first := <-done
	for range 7 {
		if got := <-done; got != first {
			t.Errorf("concurrent AddWorkingDays = %s, want %s", got, first)
		}
	}
}
