package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/intake"
)

// request is one submission on its way through the checks.
type request struct {
	tenant *config.Tenant
	form   *config.Form
	remote string
	body   []byte
	in     *input
	// dedupKey identifies the submission within its form.
	dedupKey string
	// token is the form token, kept to serve the page again after an
	// error.
	token string
}

// handleSubmit takes a submission and responds 201 once it is stored.
func (s *Server) handleSubmit(w http.ResponseWriter, r *http.Request) {
	cfg := s.opts.Config()
	req := &request{remote: clientIP(r)}
	req.tenant, req.form = cfg.Form(r.PathValue("form"))
	html := wantsHTML(r)

	res, p := s.submit(w, r, cfg, req)
	if p != nil {
		s.logRejected(r, req, p)
		switch {
		case html && req.form != nil:
			s.renderFormError(w, req, p)
		case html:
			s.renderProblem(w, nil, p)
		default:
			writeProblem(w, p)
		}
		return
	}
	if !res.Created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if html {
		s.renderConfirmation(w, req, res)
		return
	}
	writeCreated(w, req.tenant, res)
}

// submit runs the checks in the order of their cost, and stores the
// submission when they pass.
func (s *Server) submit(w http.ResponseWriter, r *http.Request, cfg *config.Config, req *request) (intake.FormResult, *problem) {
	f := req.form
	if f == nil {
		return intake.FormResult{}, notFound()
	}
	now := s.now()
	if f.Auth == config.FormAuthPublic {
		if p := s.checkPublic(r, req, now); p != nil {
			return intake.FormResult{}, p
		}
	}
	if p := readBody(w, r, req, cfg.HTTP.MaxRequestBytes); p != nil {
		return intake.FormResult{}, p
	}
	key, p := idempotencyKey(r)
	if p != nil {
		return intake.FormResult{}, p
	}
	var signature string
	if f.Auth == config.FormAuthHMAC {
		if signature, p = verifySignature(r, req.body, f.Secret, f.MaxSkew, now); p != nil {
			return intake.FormResult{}, p
		}
	}
	in, err := decode(r.Header.Get("Content-Type"), req.body, formLimits(f))
	if err != nil {
		return intake.FormResult{}, asProblem(err)
	}
	req.in = in
	req.token = in.fields[fieldToken]

	var nonce string
	if f.Auth == config.FormAuthPublic {
		if nonce, p = s.checkBrowserFields(req, now); p != nil {
			return intake.FormResult{}, p
		}
	}
	sub, p := check(req.tenant, f, in)
	if p != nil {
		return intake.FormResult{}, p
	}
	sub.Remote = req.remote
	sub.DedupKey = dedupKey(key, nonce, signature, in)
	return s.deliver(r, sub)
}

// dedupKey chooses what identifies a submission: the Idempotency-Key of
// a signed request (the signature covers it), else the signature, else
// the content itself, so that the same fields posted twice give one
// dossier. The nonce of the token sved put in its own form page, and an
// Idempotency-Key that no signature covers, count only together with the
// content: a page reused on a shared computer, or a key copied from
// someone else's submission, must neither return that submission's
// reference and email nor drop the new request.
func dedupKey(idempotencyKey, nonce, signature string, in *input) string {
	switch {
	case signature != "" && idempotencyKey != "":
		return "key " + idempotencyKey
	case signature != "":
		return "signature " + signature
	case nonce != "":
		return "token " + nonce + " " + in.digest()
	case idempotencyKey != "":
		return "key " + idempotencyKey + " " + in.digest()
	}
	return "content " + in.digest()
}

// checkPublic applies the checks of a public form that need no body:
// the origin, then the rate limit.
func (s *Server) checkPublic(r *http.Request, req *request, now time.Time) *problem {
	if err := originCheck(req.form).Check(r); err != nil {
		return forbidden("Ce formulaire n'accepte que les envois depuis les sites autorisés.")
	}
	pub := req.form.Public
	ok, wait := s.limiter.allow(req.form.ID+" "+req.remote, pub.RateLimit, pub.RateWindow, now)
	if !ok {
		return tooMany(wait)
	}
	return nil
}

// originCheck returns the cross-origin protection of a public form:
// requests from sved's own pages and from the allowed origins pass,
// other browser requests do not. Clients that send neither Origin nor
// Sec-Fetch-Site (not browsers) pass too.
func originCheck(f *config.Form) *http.CrossOriginProtection {
	c := http.NewCrossOriginProtection()
	for _, o := range f.Public.AllowedOrigins {
		// Validation has checked every origin.
		_ = c.AddTrustedOrigin(o)
	}
	return c
}

// checkBrowserFields checks the honeypot and the form token of a public
// form, and returns the token's nonce ("" without a token).
func (s *Server) checkBrowserFields(req *request, now time.Time) (string, *problem) {
	f := req.form
	if req.in.fields[fieldHoneypot] != "" {
		return "", invalid(fieldError{fieldHoneypot, "Ce champ doit rester vide."})
	}
	token := req.in.fields[fieldToken]
	if token == "" {
		if f.Public.AllowWithoutToken {
			return "", nil
		}
		return "", invalid(fieldError{fieldToken,
			"Jeton de formulaire manquant ; ouvrez le formulaire à son adresse et envoyez-le de nouveau."})
	}
	served, nonce, err := verifyToken(s.opts.TokenKey, f.ID, token, now)
	switch {
	case errors.Is(err, errTokenExpired):
		req.token = ""
		return "", invalid(fieldError{fieldToken, "Le formulaire a expiré ; vérifiez vos réponses et envoyez-le de nouveau."})
	case err != nil:
		req.token = ""
		return "", invalid(fieldError{fieldToken, "Jeton de formulaire invalide ; rechargez le formulaire."})
	case now.Sub(served) < f.Public.MinFillTime:
		return "", invalid(fieldError{fieldToken, "Formulaire envoyé trop vite ; vérifiez vos réponses et envoyez-le de nouveau."})
	}
	return nonce, nil
}

// readBody checks the Content-Type and reads the body, bounded by
// maxBytes.
func readBody(w http.ResponseWriter, r *http.Request, req *request, maxBytes int64) *problem {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case typeJSON, typeForm, typeMultipart:
	default:
		return unsupported("Envoyez application/json, application/x-www-form-urlencoded ou multipart/form-data.")
	}
	if r.ContentLength > maxBytes {
		return tooLarge(fmt.Sprintf("L'envoi dépasse %d octets.", maxBytes))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBytes))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return tooLarge(fmt.Sprintf("L'envoi dépasse %d octets.", maxBytes))
	case err != nil:
		return invalid(fieldError{"body", "Corps de la requête incomplet."})
	}
	req.body = body
	return nil
}

// deliver stores the submission. A failure is a storage failure, which
// the client should retry.
func (s *Server) deliver(r *http.Request, sub *intake.FormSubmission) (intake.FormResult, *problem) {
	res, err := s.opts.Pipeline.DeliverForm(r.Context(), sub)
	if err != nil {
		s.log.Error("form submission not stored", "tenant", sub.Tenant.ID, "form", sub.Form.ID,
			"channel", "form", "remote", sub.Remote, "err", err)
		return intake.FormResult{}, unavailable()
	}
	return res, nil
}

// asProblem returns err as a *problem; decode returns no other kind.
func asProblem(err error) *problem {
	var p *problem
	if errors.As(err, &p) {
		return p
	}
	return invalid(fieldError{"body", "Corps de la requête illisible."})
}

func (s *Server) logRejected(r *http.Request, req *request, p *problem) {
	attrs := []any{"channel", "form", "remote", req.remote, "path", r.URL.Path, "status", p.Status}
	if req.tenant != nil {
		attrs = append(attrs, "tenant", req.tenant.ID)
	}
	for _, fe := range p.Errors {
		attrs = append(attrs, "field", fe.Field)
	}
	// A client over its rate limit would otherwise log once per request
	// it keeps sending.
	level := slog.LevelInfo
	if p.Status == http.StatusTooManyRequests {
		level = slog.LevelDebug
	}
	s.log.Log(r.Context(), level, "form submission rejected", attrs...)
}

// created is the body of a 201 response.
type created struct {
	Reference  string `json:"reference"`
	ReceivedAt string `json:"received_at"` // RFC 3339, in the tenant's time zone
	AREDue     string `json:"are_due,omitempty"`
	// Acknowledgement is the address the AEE is sent to, when there is
	// one.
	Acknowledgement string `json:"acknowledgement_to,omitempty"`
}

func writeCreated(w http.ResponseWriter, t *config.Tenant, res intake.FormResult) {
	body := created{
		Reference:       res.Ref,
		ReceivedAt:      res.ReceivedAt.In(tenantLocation(t)).Format(time.RFC3339),
		Acknowledgement: res.Requester,
	}
	if !res.AREDue.IsZero() {
		body.AREDue = res.AREDue.String()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(body)
}

func tenantLocation(t *config.Tenant) *time.Location {
	if t.Location != nil {
		return t.Location
	}
	return time.UTC
}

// wantsHTML reports whether a browser posted the form: a form encoding
// with an Accept header that lists text/html.
func wantsHTML(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != typeForm && mt != typeMultipart {
		return false
	}
	for _, part := range r.Header.Values("Accept") {
		for _, accepted := range splitList(part) {
			if t, _, _ := mime.ParseMediaType(accepted); t == "text/html" {
				return true
			}
		}
	}
	return false
}
