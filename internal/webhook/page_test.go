package webhook

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormPageServed(t *testing.T) {
	f := newFixture(t)
	rec := f.do(httptest.NewRequest(http.MethodGet, "/forms/contact", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d; body %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	for _, want := range []string{
		`<html lang="fr">`,
		`<label for="champ-email">Adresse électronique (obligatoire)</label>`,
		`action="/v1/forms/contact"`,
		`enctype="multipart/form-data"`,
		`name="_token" value="`,
		`<option value="acte">Acte d&#39;état civil</option>`,
		`type="file" id="champ-attachments" name="attachments" multiple`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Error("page contains a script")
	}
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors 'self' https://www.mairie-saint-exemple.fr") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

func TestFormPageNotFound(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/forms/nope", "/forms/site"} {
		rec := f.do(httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, rec.Code)
		}
	}
}

func TestBrowserErrorShowsSummary(t *testing.T) {
	f := newFixture(t)
	values := url.Values{"last_name": {"Martin <b>"}, "email": {"jeanne@"}, "subject": {"s"}, "nature": {"acte"}}
	req := f.publicForm(values, time.Minute)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	rec := f.do(req)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
	page := rec.Body.String()
	for _, want := range []string{
		`role="alert"`,
		`<a href="#champ-email">Adresse électronique : Adresse électronique invalide`,
		`<a href="#champ-message">Votre message : Champ obligatoire.</a>`,
		`value="Martin &lt;b&gt;"`,
		`aria-invalid="true"`,
		`value="` + values.Get(fieldToken) + `"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestBrowserConfirmation(t *testing.T) {
	f := newFixture(t)
	values := url.Values{"email": {"jeanne@example.org"}, "subject": {"s"}, "message": {"m"}, "nature": {"acte"}}
	req := f.publicForm(values, time.Minute)
	req.Header.Set("Accept", "text/html")
	rec := f.do(req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	for _, want := range []string{"Votre demande est enregistrée", "SAINTEX-", "heure de Paris",
		"est envoyé à jeanne@example.org", "dix jours ouvrés, soit au plus tard le"} {
		if !strings.Contains(page, want) {
			t.Errorf("confirmation lacks %q", want)
		}
	}
}

func TestTemplateOverride(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, pageForm), []byte(`<p>Formulaire de {{.Tenant}}</p>`), 0o600)
	f.cfg.Tenants[0].Forms[0].Templates = dir
	rec := f.do(httptest.NewRequest(http.MethodGet, "/forms/contact", nil))
	if got := rec.Body.String(); got != "<p>Formulaire de Commune de Saint-Exemple</p>" {
		t.Errorf("page = %q", got)
	}

	os.WriteFile(filepath.Join(dir, pageForm), []byte(`{{.Nope}}`), 0o600)
	rec = f.do(httptest.NewRequest(http.MethodGet, "/forms/contact", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("broken override: status %d, want 500", rec.Code)
	}
}
