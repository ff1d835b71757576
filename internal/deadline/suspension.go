package deadline

import "slices"

// PiecesRequest is one request for missing pieces (pièces
// complémentaires) sent to the requester of an incomplete demande (CRPA
// L114-5).
type PiecesRequest struct {
	// Requested is the day the collectivité asked for the pieces. A day
	// before the start of the délai counts as that start.
	Requested Date
	// Granted is the délai given to supply them, counted from Requested.
	Granted Delai
	// Received is the day the last of the requested pieces arrived, or the
	// zero Date while one is still missing.
	Received Date
}

// ImplicitAcceptance returns the date of the implicit acceptance of a
// demande under silence vaut accord whose délai delai starts on start,
// when the collectivité asked for missing pieces with requests.
//
// Under CRPA L114-5 the délai runs only once the file is complete, so the
// délai restarts in full on the day the last requested piece arrives. A
// demande received on 24 December 2026 with a délai of 2 months, whose
// pieces arrive on 20 January 2027, is accepted at the end of 20 March
// 2027. A request
// for pieces sent after the acceptance was born has no effect. ok is false
// while requested pieces are missing, because no acceptance can be born
// then; the granted délai running out does not change that.
func ImplicitAcceptance(start Date, delai Delai, requests []PiecesRequest) (d Date, ok bool) {
	decision := ImplicitDecision(start, delai)
	for _, r := range sortedRequests(requests) {
		if r.Requested.After(decision) {
			continue
		}
		if r.Received.IsZero() {
			return Date{}, false
		}
		restart := r.Received
		if restart.Before(start) {
			restart = start
		}
		if candidate := ImplicitDecision(restart, delai); candidate.After(decision) {
			decision = candidate
		}
	}
	return decision, true
}

// ImplicitRejection returns the date of the implicit rejection of a
// demande under silence vaut rejet whose délai delai starts on start, when
// the collectivité asked for missing pieces with requests.
//
// Under CRPA L114-5 the délai is suspended from the day of each request
// for pieces until the day the pieces arrive, or until the end of the
// granted délai when that comes first. The date is the end of the délai
// without suspension, moved later by the number of days suspended. A
// request sent after the rejection was born has no effect, and days
// covered by two requests count once. While pieces are missing, the
// suspension is taken to last the whole granted délai, so the date may
// move earlier when they arrive.
//
// NOTE: the texts do not say how a suspension counted in days combines
// with a délai in months. Adding the suspended days to the unsuspended end
// is a product choice.
func ImplicitRejection(start Date, delai Delai, requests []PiecesRequest) Date {
	decision := ImplicitDecision(start, delai)
	var covered Date // end of the last suspension counted
	for _, r := range sortedRequests(requests) {
		from, until := suspension(start, r)
		if from.After(decision) {
			continue
		}
		if from.Before(covered) {
			from = covered
		}
		if !until.After(from) {
			continue
		}
		decision = decision.AddDays(from.DaysUntil(until))
		covered = until
	}
	return decision
}

// suspension returns the day the clock stops for r and the day it runs
// again: the earlier of the day the pieces arrived and the end of the
// granted délai. An invalid granted délai ends the day it starts, so it
// suspends nothing.
func suspension(start Date, r PiecesRequest) (from, until Date) {
	from = r.Requested
	if from.Before(start) {
		from = start
	}
	until = ImplicitDecision(r.Requested, r.Granted)
	if !r.Received.IsZero() && r.Received.Before(until) {
		until = r.Received
	}
	return from, until
}

// sortedRequests returns a copy of requests sorted by the day they were
// sent.
func sortedRequests(requests []PiecesRequest) []PiecesRequest {
	sorted := slices.Clone(requests)
	slices.SortStableFunc(sorted, func(a, b PiecesRequest) int {
		return a.Requested.Compare(b.Requested)
	})
	return sorted
}
