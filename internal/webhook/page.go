package webhook

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/notify"
)

//go:embed templates/*.html.tmpl
var embedded embed.FS

// Page templates. A form's templates folder may hold a file of the same
// name to replace each.
const (
	pageForm         = "form.html.tmpl"
	pageConfirmation = "confirmation.html.tmpl"
	pageProblem      = "error.html.tmpl"
)

// contentSecurityPolicy allows the pages nothing but their own inline
// style and posting to sved; frame-ancestors is added per form.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; " +
	"form-action 'self'; base-uri 'none'"

// pages holds the built-in page templates, parsed once.
type pages struct {
	builtin map[string]*template.Template
}

func loadPages() (*pages, error) {
	pg := &pages{builtin: map[string]*template.Template{}}
	for _, name := range []string{pageForm, pageConfirmation, pageProblem} {
		src, err := embedded.ReadFile("templates/" + name)
		if err != nil {
			return nil, fmt.Errorf("read embedded page %s: %w", name, err)
		}
		tmpl, err := parsePage(name, string(src))
		if err != nil {
			return nil, fmt.Errorf("parse embedded page %s: %w", name, err)
		}
		pg.builtin[name] = tmpl
	}
	return pg, nil
}

func parsePage(name, src string) (*template.Template, error) {
	return template.New(name).Option("missingkey=error").Parse(src)
}

// template returns the page of the given name for form f: the file of
// its templates folder when there is one, else the built-in page. The
// file is read at each request, so an edit applies at once.
func (pg *pages) template(f *config.Form, name string) (*template.Template, error) {
	if f != nil && f.Templates != "" {
		path := filepath.Join(f.Templates, name)
		src, err := os.ReadFile(path)
		switch {
		case err == nil:
			tmpl, err := parsePage(name, string(src))
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", path, err)
			}
			return tmpl, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("read page %s: %w", path, err)
		}
	}
	return pg.builtin[name], nil
}

// render writes a page with the given status. A failing template is
// logged and a plain 500 is sent, since the page cannot be shown.
func (s *Server) render(w http.ResponseWriter, f *config.Form, name string, status int, data any) {
	tmpl, err := s.pages.template(f, name)
	var buf bytes.Buffer
	if err == nil {
		err = tmpl.Execute(&buf, data)
	}
	if err != nil {
		s.log.Error("page not rendered", "page", name, "err", err)
		http.Error(w, "Erreur interne : la page n'a pas pu être affichée.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", contentSecurityPolicy+"; frame-ancestors "+frameAncestors(f))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// frameAncestors lets the commune's allowed origins embed the page.
func frameAncestors(f *config.Form) string {
	list := []string{"'self'"}
	if f != nil {
		list = append(list, f.Public.AllowedOrigins...)
	}
	return strings.Join(list, " ")
}

// handlePage serves the form page of a public form. hmac forms have no
// page, since a browser cannot sign.
func (s *Server) handlePage(w http.ResponseWriter, r *http.Request) {
	t, f := s.opts.Config().Form(r.PathValue("form"))
	if f == nil || f.Auth != config.FormAuthPublic {
		s.renderProblem(w, nil, notFound())
		return
	}
	data := s.newFormPage(t, f, "", nil)
	s.render(w, f, pageForm, http.StatusOK, data)
}

// renderFormError responds to a browser's failed submission with the form
// again, filled in, with an error summary for a 400, else an error
// page.
func (s *Server) renderFormError(w http.ResponseWriter, req *request, p *problem) {
	if p.Status != http.StatusBadRequest {
		s.renderProblem(w, req.form, p)
		return
	}
	data := s.newFormPage(req.tenant, req.form, req.token, req.in)
	data.setErrors(p.Errors, req.in)
	s.render(w, req.form, pageForm, http.StatusBadRequest, data)
}

// errorPage is the data of the error page.
type errorPage struct {
	Title   string
	Detail  string
	Status  int
	FormURL string // "" when there is no form to go back to
}

func (s *Server) renderProblem(w http.ResponseWriter, f *config.Form, p *problem) {
	data := errorPage{Title: p.Title, Detail: p.Detail, Status: p.Status}
	if f != nil && f.Auth == config.FormAuthPublic {
		data.FormURL = "/forms/" + f.ID
	}
	setRetryAfter(w, p.retryAfter)
	s.render(w, f, pageProblem, p.Status, data)
}

// confirmationPage is the data of the page shown after a stored
// submission.
type confirmationPage struct {
	Tenant       string
	Title        string
	Ref          string
	ReceivedDate string // "vendredi 4 décembre 2026"
	ReceivedTime string // "15 h 42"
	TimeZone     string // "heure de Paris"
	AREDue       string // "" when the dossier has no ARE due date
	Requester    string // the address the AEE goes to, "" when none
	Received     bool   // the state is dossier.StateReceived
	FormURL      string
}

func (s *Server) renderConfirmation(w http.ResponseWriter, req *request, res intake.FormResult) {
	data := confirmationPage{
		Tenant:    req.tenant.Name,
		Title:     formTitle(req.form),
		Ref:       res.Ref,
		Requester: res.Requester,
		Received:  res.State == dossier.StateReceived,
		FormURL:   "/forms/" + req.form.ID,
	}
	data.ReceivedDate, data.ReceivedTime, data.TimeZone = notify.ReceiptTime(res.ReceivedAt, tenantLocation(req.tenant))
	if !res.AREDue.IsZero() {
		data.AREDue = notify.CivilDate(res.AREDue)
	}
	s.render(w, req.form, pageConfirmation, http.StatusCreated, data)
}

func formTitle(f *config.Form) string {
	if f.Title != "" {
		return f.Title
	}
	return "Contacter la mairie"
}

// splitList splits a comma-separated header value.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
