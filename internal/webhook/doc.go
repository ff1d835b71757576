// Package webhook is sved's HTTP intake for web forms, with a health
// endpoint for monitoring.
//
// Routes:
//   - POST /v1/forms/{form} takes a submission as JSON,
//     application/x-www-form-urlencoded or multipart/form-data (with
//     files) and responds 201 with the dossier reference and the date of
//     receipt once the dossier is committed to disk.
//   - GET /forms/{form} serves a French HTML form for a public form,
//     usable without JavaScript, that posts to the route above and
//     responds with a confirmation page.
//   - GET /healthz responds 200 while the store can be read.
//
// Errors are RFC 9457 problem details (application/problem+json) that
// name every invalid field, or the form page again with an error
// summary when a browser posted it.
//
// A form authenticates its submissions in one of two ways. An hmac form
// is posted by the commune's web site, which signs
// "TIMESTAMP.IDEMPOTENCY-KEY.BODY" with HMAC-SHA256 and the form's
// secret (headers X-Sved-Timestamp and X-Sved-Signature); a timestamp
// further than max_skew from the server's clock is rejected, and a
// replay within that window returns the dossier of the first request,
// since the signature is its deduplication key. A public form is posted
// by browsers: a honeypot field, a form token that proves a minimum
// fill time, a rate limit per client address and a same-origin check
// keep robots out.
//
// A submission goes through intake.Pipeline.DeliverForm, the same
// classification and store transaction as mail. The same
// Idempotency-Key header, form token or signed request gives the same
// dossier and no second mail.
package webhook
