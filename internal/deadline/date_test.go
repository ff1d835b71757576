package deadline

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDateArithmetic(t *testing.T) {
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2026-12-31", 1, "2027-01-01"},
		{"2028-02-28", 1, "2028-02-29"},
		{"2027-02-28", 1, "2027-03-01"},
		{"2026-10-24", 2, "2026-10-26"}, // across the end of summer time
		{"2027-03-27", 2, "2027-03-29"}, // across the start of summer time
		{"2027-01-01", -1, "2026-12-31"},
		{"2027-01-01", 365, "2028-01-01"},
	}
	for _, tt := range tests {
		from := date(t, tt.from)
		got := from.AddDays(tt.n)
		if got.String() != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from, tt.n, got, tt.want)
		}
		if back := from.DaysUntil(got); back != tt.n {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", tt.from, got, back, tt.n)
		}
	}
}

func TestDateCompare(t *testing.T) {
	a, b := date(t, "2027-02-28"), date(t, "2027-03-01")
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 {
		t.Errorf("%s is not before %s", a, b)
	}
	if !b.After(a) || b.Compare(a) != 1 {
		t.Errorf("%s is not after %s", b, a)
	}
	if a.Compare(a) != 0 {
		t.Errorf("%s.Compare(itself) != 0", a)
	}
}

func TestDateValidity(t *testing.T) {
	tests := []struct {
		d    Date
		want bool
	}{
		{Date{2028, time.February, 29}, true},
		{Date{2027, time.February, 29}, false},
		{Date{2027, time.April, 31}, false},
		{Date{2027, 13, 1}, false},
		{Date{}, false},
		{Date{10000, time.January, 1}, false},
	}
	for _, tt := range tests {
		if got := tt.d.IsValid(); got != tt.want {
			t.Errorf("%+v.IsValid() = %v, want %v", tt.d, got, tt.want)
		}
	}
}

func TestDateOfUsesLocation(t *testing.T) {
	loc := paris(t)
	instant := time.Date(2026, time.October, 31, 23, 30, 0, 0, time.UTC)
	if got := DateOf(instant).String(); got != "2026-10-31" {
		t.Errorf("DateOf(UTC) = %s, want 2026-10-31", got)
	}
	if got := DateOf(instant.In(loc)).String(); got != "2026-11-01" {
		t.Errorf("DateOf(Paris) = %s, want 2026-11-01", got)
	}
}

func TestParseDateInvalid(t *testing.T) {
	for _, in := range []string{"", "2027-02-29", "2027-2-1", "01/02/2027", "2027-02-01T00:00"} {
		if d, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %s, want an error", in, d)
		}
	}
}

func TestDateJSON(t *testing.T) {
	in := struct {
		Day  Date `json:"day"`
		None Date `json:"none"`
	}{Day: Date{2027, time.May, 7}}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"day":"2027-05-07","none":""}`; string(data) != want {
		t.Errorf("json = %s, want %s", data, want)
	}
	var out struct {
		Day  Date `json:"day"`
		None Date `json:"none"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Day != in.Day || !out.None.IsZero() {
		t.Errorf("round trip = %+v, want %+v", out, in)
	}
}
