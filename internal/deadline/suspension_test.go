package deadline

import "testing"

// piecesRequest builds a PiecesRequest from strings; received may be "".
func piecesRequest(t *testing.T, requested, granted, received string) PiecesRequest {
	t.Helper()
	r := PiecesRequest{Requested: date(t, requested)}
	var err error
	if r.Granted, err = ParseDelai(granted); err != nil {
		t.Fatal(err)
	}
	if received != "" {
		r.Received = date(t, received)
	}
	return r
}

func TestImplicitAcceptance(t *testing.T) {
	type req struct{ requested, granted, received string }
	tests := []struct {
		name     string
		start    string
		delai    string
		requests []req
		want     string // "" when no acceptance can be born
	}{
		{"no request", "2026-12-24", "2m", nil, "2027-02-24"},
		{"pieces received", "2026-12-24", "2m",
			[]req{{"2027-01-04", "1m", "2027-01-20"}}, "2027-03-20"},
		{"pieces missing", "2026-12-24", "2m",
			[]req{{"2027-01-04", "1m", ""}}, ""},
		{"granted délai over, pieces missing", "2026-12-24", "2m",
			[]req{{"2027-01-04", "15d", ""}}, ""},
		{"request after acceptance", "2026-12-24", "2m",
			[]req{{"2027-02-25", "1m", "2027-03-01"}}, "2027-02-24"},
		{"request on acceptance day", "2026-12-24", "2m",
			[]req{{"2027-02-24", "1m", "2027-03-01"}}, "2027-05-01"},
		{"two requests", "2026-12-24", "2m", []req{
			{"2027-01-04", "1m", "2027-01-20"},
			{"2027-03-01", "15d", "2027-03-10"},
		}, "2027-05-10"},
		{"second request too late", "2026-12-24", "2m", []req{
			{"2027-01-04", "1m", "2027-01-20"},
			{"2027-03-21", "15d", "2027-03-25"},
		}, "2027-03-20"},
		{"unsorted requests", "2026-12-24", "2m", []req{
			{"2027-06-01", "15d", ""},
			{"2027-01-04", "1m", "2027-01-20"},
		}, "2027-03-20"},
		{"pieces before start", "2026-12-24", "2m",
			[]req{{"2026-12-20", "10d", "2026-12-22"}}, "2027-02-24"},
		{"délai in days", "2027-01-31", "15d",
			[]req{{"2027-02-01", "1m", "2027-02-10"}}, "2027-02-25"},
		{"end of month restart", "2026-12-24", "1m",
			[]req{{"2027-01-10", "1m", "2027-01-31"}}, "2027-02-28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests []PiecesRequest
			for _, r := range tt.requests {
				requests = append(requests, piecesRequest(t, r.requested, r.granted, r.received))
			}
			delai, err := ParseDelai(tt.delai)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := ImplicitAcceptance(date(t, tt.start), delai, requests)
			if tt.want == "" {
				if ok {
					t.Errorf("ImplicitAcceptance = %s, ok; want no acceptance", got)
				}
				return
			}
			if !ok {
				t.Fatalf("ImplicitAcceptance: ok = false, want %s", tt.want)
			}
			if got.String() != tt.want {
				t.Errorf("ImplicitAcceptance = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestImplicitRejection(t *testing.T) {
	type req struct{ requested, granted, received string }
	tests := []struct {
		name     string
		start    string
		delai    string
		requests []req
		want     string
	}{
		{"no request", "2026-12-24", "2m", nil, "2027-02-24"},
		{"pieces received", "2026-12-24", "2m",
			[]req{{"2027-01-04", "1m", "2027-01-20"}}, "2027-03-12"},
		{"pieces missing", "2026-12-24", "2m",
			[]req{{"2027-01-04", "1m", ""}}, "2027-03-27"},
		{"pieces after granted délai", "2026-12-24", "2m",
			[]req{{"2027-01-04", "1m", "2027-02-10"}}, "2027-03-27"},
		{"granted in days", "2026-12-24", "2m",
			[]req{{"2027-01-04", "15d", "2027-01-20"}}, "2027-03-11"},
		{"request after rejection", "2026-12-24", "2m",
			[]req{{"2027-02-25", "1m", ""}}, "2027-02-24"},
		{"request on rejection day", "2026-12-24", "2m",
			[]req{{"2027-02-24", "10d", ""}}, "2027-03-06"},
		{"overlapping requests", "2026-12-24", "2m", []req{
			{"2027-01-04", "1m", "2027-01-20"},
			{"2027-01-10", "15d", "2027-01-25"},
		}, "2027-03-17"},
		{"nested requests", "2026-12-24", "2m", []req{
			{"2027-01-04", "1m", "2027-01-20"},
			{"2027-01-10", "15d", "2027-01-15"},
		}, "2027-03-12"},
		{"successive requests", "2026-12-24", "2m", []req{
			{"2027-03-01", "15d", "2027-03-05"},
			{"2027-01-04", "1m", "2027-01-20"},
		}, "2027-03-16"},
		{"request before start", "2026-12-24", "2m",
			[]req{{"2026-12-20", "10d", ""}}, "2027-03-02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var requests []PiecesRequest
			for _, r := range tt.requests {
				requests = append(requests, piecesRequest(t, r.requested, r.granted, r.received))
			}
			delai, err := ParseDelai(tt.delai)
			if err != nil {
				t.Fatal(err)
			}
			got := ImplicitRejection(date(t, tt.start), delai, requests)
			if got.String() != tt.want {
				t.Errorf("ImplicitRejection = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestImplicitRejectionInvalidGranted(t *testing.T) {
	requests := []PiecesRequest{{Requested: date(t, "2027-01-04"), Received: date(t, "2027-01-20")}}
	got := ImplicitRejection(date(t, "2026-12-24"), Delai{N: 2, Unit: Months}, requests)
	if got.String() != "2027-02-24" {
		t.Errorf("ImplicitRejection with no granted délai = %s, want 2027-02-24", got)
	}
}

func TestSuspensionLeavesInputUnchanged(t *testing.T) {
	requests := []PiecesRequest{
		piecesRequest(t, "2027-03-01", "15d", "2027-03-05"),
		piecesRequest(t, "2027-01-04", "1m", "2027-01-20"),
	}
	first := requests[0]
	ImplicitRejection(date(t, "2026-12-24"), Delai{N: 2, Unit: Months}, requests)
	ImplicitAcceptance(date(t, "2026-12-24"), Delai{N: 2, Unit: Months}, requests)
	if requests[0] != first {
		t.Errorf("requests[0] = %+v after the call, want %+v", requests[0], first)
	}
}
