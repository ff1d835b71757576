package deadline

import "time"

// RecoursDeadline returns the last day to challenge a decision born or
// notified on decision, for a délai de recours of months months (2 for a
// recours contentieux against most administrative decisions).
//
// The délai is franc: neither the day of the decision nor the day the
// months end counts, so the délai runs to the day after AddMonths(decision,
// months). A délai that would end on a Saturday, a Sunday or a public
// holiday runs to the next working day (Code de procédure civile art. 642,
// which the Conseil d'État applies to délais de recours). For a decision
// born on 24 February 2027 and 2 months, the délai would end on Sunday 25
// April and runs to Monday 26 April.
//
// The collectivité's closure days do not extend the délai: a recours goes
// to a court or may be sent electronically, so the requester's délai does
// not depend on when the town hall is open.
func (c *Calendar) RecoursDeadline(decision Date, months int) Date {
	end := AddMonths(decision, months).AddDays(1)
	for !c.isOpenForRecours(end) {
		end = end.AddDays(1)
	}
	return end
}

// isOpenForRecours reports whether d is Monday to Friday and no public
// holiday, ignoring closure days.
func (c *Calendar) isOpenForRecours(d Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, holiday := c.IsHoliday(d)
	return !holiday
}
