// Package deadline computes the legal dates of a request sent to a French
// collectivité by electronic means (saisine par voie électronique, SVE).
// These are the due dates of its accusé d'enregistrement (AEE) and accusé
// de réception (ARE), the date on which silence becomes an implicit
// decision, and the end of the délai to challenge that decision. The
// package has no I/O and no clock of its own, so callers pass instants and
// civil dates.
//
// # Rules
//
//   - Date of receipt: the instant the item was stored, taken as a civil
//     date in the collectivité's time zone (Europe/Paris unless set; an
//     overseas territory has its own). A receipt on a Sunday or a holiday
//     keeps that date. See Calendar.ReceiptDate.
//   - Jour ouvré: Monday to Friday, minus public holidays and the
//     collectivité's closure days. The day of receipt is not counted
//     (Code de procédure civile art. 641, applied by analogy). The AEE is
//     due by the end of the 1st jour ouvré after the date of receipt and
//     the ARE by the end of the 10th (CRPA L112-11 and its decree).
//   - Public holidays: the national list of Code du travail L3133-1, with
//     26 December and, per commune, Good Friday in Bas-Rhin, Haut-Rhin and
//     Moselle (Code du travail L3134-13), or the local days of an overseas
//     territory. The dates come from the github.com/rickar/cal/v2 packages
//     fr and aa, plus a table for overseas days.
//   - Délais in months end on the same day number in the target month, or
//     on its last day when that number does not exist (Code de procédure
//     civile art. 641, applied by analogy). See AddMonths.
//   - Implicit decision: silence vaut accord after 2 months by default
//     (CRPA L231-1), silence vaut rejet in the cases of L231-4, other
//     délais where a decree sets them (L231-6). See ImplicitDecision.
//   - Incomplete request (CRPA L114-5): under silence vaut accord the
//     délai restarts in full when the last missing piece arrives; under
//     silence vaut rejet it is suspended from the request for pieces until
//     they arrive or the granted délai ends, whichever is first. See
//     ImplicitAcceptance and ImplicitRejection.
//   - Délai de recours: délai franc, moved to the next working day when it
//     would end on a Saturday, Sunday or holiday (Code de procédure civile
//     art. 642). See Calendar.RecoursDeadline.
//
// # Product choices
//
// The texts leave room on these points. For the first two the package
// takes the reading that gives the earlier date:
//
//   - A pont, such as the Friday after Ascension, is a working day unless
//     the collectivité lists it in Options.ClosureDays. Public holidays
//     always push back due dates.
//   - The implicit-decision date is never moved to a working day; mails
//     state it as "à l'expiration du <date>". CPC art. 642 concerns délais
//     de recours, not the birth of an implicit decision.
//   - Good Friday applies only with Alsace-Moselle, and Alsace-Moselle
//     excludes an overseas territory.
//
// Dates are civil dates (Date), not instants, so that day arithmetic is
// exact across daylight-saving changes. Calendar.StartOfDay and
// Calendar.EndOfDay turn a Date into instants in the collectivité's zone.
package deadline
