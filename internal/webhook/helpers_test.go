package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/intake"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

// testSecret is the HMAC secret of the "site" form.
const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

// testConfig has a public form with two natures and an hmac form. %s
// is the secret file.
const testConfig = `
hostname: mx.test.invalid
http:
  listen: 127.0.0.1:0
  max_request_bytes: 300000
collectivites:
  - id: saint-exemple
    name: Commune de Saint-Exemple
    prefix: SAINTEX
    from: "Mairie de Saint-Exemple <contact@mairie-saint-exemple.fr>"
    reply:
      domain: reponse.mairie-saint-exemple.fr
    intake:
      - address: contact@mairie-saint-exemple.fr
    default_service: accueil
    services:
      - {id: accueil, name: Accueil, mailbox: accueil@mairie-saint-exemple.fr}
      - {id: etat-civil, name: État civil, mailbox: etat-civil@mairie-saint-exemple.fr}
    natures:
      - {id: information, label: Demande d'information, service: accueil, regime: aucun}
      - {id: acte, label: Acte d'état civil, service: etat-civil, regime: rejet, delai: 2m}
    forms:
      - id: contact
        title: Écrire à la mairie
        auth: public
        natures: [information, acte]
        public:
          min_fill_time: 3s
          rate_limit: 4
          rate_window: 1h
          allowed_origins: [https://www.mairie-saint-exemple.fr]
        attachments:
          max_file_bytes: 100000
          max_files: 2
      - id: site
        auth: hmac
        secret_file: %s
        natures: [acte]
        max_skew: 5m
`

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a server over a real store and pipeline.
type fixture struct {
	t       testing.TB
	cfg     *config.Config
	store   *store.Store
	server  *Server
	handler http.Handler
	clock   *clock
	key     []byte
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	if err := os.WriteFile(secretFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, secretFile)))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.DataDir = dir
	st, err := store.Open(filepath.Join(dir, "sved.db"), store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	renderer, err := notify.New(cfg.Hostname, "")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := intake.New(func() *config.Config { return cfg }, st, renderer, log)
	key, err := LoadTokenKey(filepath.Join(dir, TokenKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Now()}
	srv, err := New(Options{
		Config:   func() *config.Config { return cfg },
		Pipeline: p,
		Store:    st,
		TokenKey: key,
		Logger:   log,
		Now:      clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, cfg: cfg, store: st, server: srv, handler: srv.Handler(), clock: clk, key: key}
}

// do runs one request through the handler.
func (f *fixture) do(req *http.Request) *httptest.ResponseRecorder {
	f.t.Helper()
	if req.RemoteAddr == "" || req.RemoteAddr == "192.0.2.1:1234" {
		req.RemoteAddr = "127.0.0.1:40000"
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// signedJSON returns a signed request to the hmac form.
func (f *fixture) signedJSON(body, idempotencyKey string, at time.Time) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/v1/forms/site", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set(headerTimestamp, ts)
	if idempotencyKey != "" {
		req.Header.Set(headerIdempotency, idempotencyKey)
	}
	req.Header.Set(headerSignature, signaturePrefix+sign(testSecret, signedContent(ts, idempotencyKey, []byte(body))))
	return req
}

// publicForm returns a urlencoded post of the public form, with a
// token served fillTime before the clock's now.
func (f *fixture) publicForm(values url.Values, fillTime time.Duration) *http.Request {
	if values.Get(fieldToken) == "" {
		values.Set(fieldToken, issueToken(f.key, "contact", f.clock.Now().Add(-fillTime)))
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", typeForm)
	return req
}

// multipartBody builds a multipart body with fields and files (name to
// content).
func multipartBody(t *testing.T, fields map[string]string, files [][2]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for _, file := range files {
		fw, err := w.CreateFormFile(fieldAttachments, file[0])
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(file[1]))
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

// decodeProblem reads a problem detail response.
func decodeProblem(t *testing.T, rec *httptest.ResponseRecorder) problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, rec.Body)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decode problem: %v; body %s", err, rec.Body)
	}
	return p
}

func decodeCreated(t *testing.T, rec *httptest.ResponseRecorder) created {
	t.Helper()
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %s", rec.Code, rec.Body)
	}
	var c created
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		t.Fatalf("decode 201 body: %v; body %s", err, rec.Body)
	}
	return c
}

// fields returns the field names a problem lists.
func (p problem) fields() []string {
	var names []string
	for _, e := range p.Errors {
		names = append(names, e.Field)
	}
	return names
}

// validJSON is a complete submission of a private person.
const validJSON = `{"requester_type":"person","last_name":"Martin","first_name":"Jeanne",
"postal_address":"3 rue des Lilas\n99990 Saint-Exemple","email":"jeanne.martin@example.org",
"subject":"Acte de naissance","message":"Bonjour,\nJe demande une copie intégrale de mon acte de naissance.\nJeanne Martin"}`
