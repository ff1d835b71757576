package webhook

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/store"
)

func TestSignedSubmissionCreated(t *testing.T) {
	f := newFixture(t)
	rec := f.do(f.signedJSON(validJSON, "", f.clock.Now()))
	c := decodeCreated(t, rec)
	if !strings.HasPrefix(c.Reference, "SAINTEX-") {
		t.Errorf("reference = %q", c.Reference)
	}
	if _, err := time.Parse(time.RFC3339, c.ReceivedAt); err != nil {
		t.Errorf("received_at = %q: %v", c.ReceivedAt, err)
	}
	if c.AREDue == "" {
		t.Error("are_due missing")
	}

	d, err := f.store.Get(c.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if d.Channel != dossier.ChannelForm {
		t.Errorf("channel = %q", d.Channel)
	}
	if d.Remote != "127.0.0.1" {
		t.Errorf("remote = %q", d.Remote)
	}
	if d.Nature != "acte" || d.Service != "etat-civil" || d.Regime != dossier.RegimeRejet {
		t.Errorf("nature %q service %q regime %q, want acte, etat-civil, rejet", d.Nature, d.Service, d.Regime)
	}
	id := d.Identification
	if id.Form != "site" || id.LastName != "Martin" || id.Email != "jeanne.martin@example.org" {
		t.Errorf("identification = %+v", id)
	}
	if len(id.Missing) != 0 {
		t.Errorf("missing = %v, want none", id.Missing)
	}
	if d.Requester.Addr != "jeanne.martin@example.org" {
		t.Errorf("requester = %v", d.Requester)
	}

	mails, err := f.store.Mails(c.Reference)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range mails {
		kinds = append(kinds, m.Kind)
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"aee", "forward"}) {
		t.Errorf("queued mails = %v, want aee and forward", kinds)
	}
	raw, err := f.store.Raw(c.Reference)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"X-Sved-Form: site", "Received: from [127.0.0.1]", "Martin"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("raw message lacks %q", want)
		}
	}
}

func TestSubmitStatuses(t *testing.T) {
	bigFile := strings.Repeat("%PDF-1.4\n", 20000) // 180,000 bytes, over max_file_bytes
	tests := []struct {
		name       string
		request    func(f *fixture) *http.Request
		status     int
		fields     []string // fields the problem must name
		retryAfter bool
	}{
		{
			name:   "unknown form",
			status: http.StatusNotFound,
			request: func(f *fixture) *http.Request {
				r := f.signedJSON(validJSON, "", f.clock.Now())
				r.URL.Path = "/v1/forms/nope"
				return r
			},
		},
		{
			name:   "missing message and invalid email",
			status: http.StatusBadRequest,
			fields: []string{"email", "message"},
			request: func(f *fixture) *http.Request {
				return f.signedJSON(`{"email":"pas-une-adresse","subject":"x"}`, "", f.clock.Now())
			},
		},
		{
			name:   "invalid siret and rna",
			status: http.StatusBadRequest,
			fields: []string{"rna", "siret"},
			request: func(f *fixture) *http.Request {
				return f.signedJSON(`{"requester_type":"company","siret":"12345678901234","rna":"X12",
					"email":"a@example.org","subject":"s","message":"m"}`, "", f.clock.Now())
			},
		},
		{
			name:   "unknown field and wrong type",
			status: http.StatusBadRequest,
			fields: []string{"age", "subject"},
			request: func(f *fixture) *http.Request {
				return f.signedJSON(`{"age":"3","subject":4,"email":"a@example.org","message":"m"}`, "", f.clock.Now())
			},
		},
		{
			name:   "nature not offered",
			status: http.StatusBadRequest,
			fields: []string{"nature"},
			request: func(f *fixture) *http.Request {
				return f.signedJSON(`{"nature":"information","email":"a@example.org","subject":"s","message":"m"}`,
					"", f.clock.Now())
			},
		},
		{
			name:   "bad signature",
			status: http.StatusUnauthorized,
			request: func(f *fixture) *http.Request {
				r := f.signedJSON(validJSON, "", f.clock.Now())
				r.Header.Set(headerSignature, signaturePrefix+strings.Repeat("0", 64))
				return r
			},
		},
		{
			name:   "old timestamp",
			status: http.StatusUnauthorized,
			request: func(f *fixture) *http.Request {
				return f.signedJSON(validJSON, "", f.clock.Now().Add(-6*time.Minute))
			},
		},
		{
			name:   "no signature",
			status: http.StatusUnauthorized,
			request: func(f *fixture) *http.Request {
				r := f.signedJSON(validJSON, "", f.clock.Now())
				r.Header.Del(headerSignature)
				return r
			},
		},
		{
			name:   "unsigned idempotency key",
			status: http.StatusUnauthorized,
			request: func(f *fixture) *http.Request {
				r := f.signedJSON(validJSON, "", f.clock.Now())
				r.Header.Set(headerIdempotency, "another-key")
				return r
			},
		},
		{
			name:   "request too large",
			status: http.StatusRequestEntityTooLarge,
			request: func(f *fixture) *http.Request {
				body := `{"message":"` + strings.Repeat("a", 400000) + `"}`
				return f.signedJSON(body, "", f.clock.Now())
			},
		},
		{
			name:   "file too large",
			status: http.StatusRequestEntityTooLarge,
			request: func(f *fixture) *http.Request {
				ct, body := multipartBody(t, map[string]string{
					fieldToken: issueToken(f.key, "contact", f.clock.Now().Add(-time.Minute)),
					"email":    "a@example.org", "subject": "s", "message": "m", "nature": "acte",
				}, [][2]string{{"plan.pdf", bigFile}})
				r := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", body)
				r.Header.Set("Content-Type", ct)
				return r
			},
		},
		{
			name:   "unsupported media type",
			status: http.StatusUnsupportedMediaType,
			request: func(f *fixture) *http.Request {
				r := f.signedJSON(validJSON, "", f.clock.Now())
				r.Header.Set("Content-Type", "text/plain")
				return r
			},
		},
		{
			name:   "cross-origin browser post",
			status: http.StatusForbidden,
			request: func(f *fixture) *http.Request {
				r := f.publicForm(url.Values{"email": {"a@example.org"}}, time.Minute)
				r.Header.Set("Sec-Fetch-Site", "cross-site")
				r.Header.Set("Origin", "https://evil.example")
				return r
			},
		},
		{
			name:   "honeypot filled",
			status: http.StatusBadRequest,
			fields: []string{fieldHoneypot},
			request: func(f *fixture) *http.Request {
				return f.publicForm(url.Values{fieldHoneypot: {"http://spam.example"}, "email": {"a@example.org"},
					"subject": {"s"}, "message": {"m"}, "nature": {"acte"}}, time.Minute)
			},
		},
		{
			name:   "filled too fast",
			status: http.StatusBadRequest,
			fields: []string{fieldToken},
			request: func(f *fixture) *http.Request {
				return f.publicForm(url.Values{"email": {"a@example.org"}, "subject": {"s"}, "message": {"m"},
					"nature": {"acte"}}, time.Second)
			},
		},
		{
			name:   "forged token",
			status: http.StatusBadRequest,
			fields: []string{fieldToken},
			request: func(f *fixture) *http.Request {
				return f.publicForm(url.Values{fieldToken: {"1.abc.def"}, "email": {"a@example.org"},
					"subject": {"s"}, "message": {"m"}, "nature": {"acte"}}, time.Minute)
			},
		},
		{
			name:   "nature not chosen among several",
			status: http.StatusBadRequest,
			fields: []string{"nature"},
			request: func(f *fixture) *http.Request {
				return f.publicForm(url.Values{"email": {"a@example.org"}, "subject": {"s"}, "message": {"m"}},
					time.Minute)
			},
		},
		{
			name:   "file type not allowed",
			status: http.StatusBadRequest,
			fields: []string{"attachments[0]"},
			request: func(f *fixture) *http.Request {
				ct, body := multipartBody(t, map[string]string{
					fieldToken: issueToken(f.key, "contact", f.clock.Now().Add(-time.Minute)),
					"email":    "a@example.org", "subject": "s", "message": "m", "nature": "acte",
				}, [][2]string{{"script.pdf", "#!/bin/sh\necho hello\n"}})
				r := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", body)
				r.Header.Set("Content-Type", ct)
				return r
			},
		},
		{
			name:   "too many files",
			status: http.StatusBadRequest,
			fields: []string{fieldAttachments},
			request: func(f *fixture) *http.Request {
				pdf := "%PDF-1.4\n"
				ct, body := multipartBody(t, map[string]string{
					fieldToken: issueToken(f.key, "contact", f.clock.Now().Add(-time.Minute)),
					"email":    "a@example.org", "subject": "s", "message": "m", "nature": "acte",
				}, [][2]string{{"a.pdf", pdf}, {"b.pdf", pdf}, {"c.pdf", pdf}})
				r := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", body)
				r.Header.Set("Content-Type", ct)
				return r
			},
		},
		{
			name:   "invalid idempotency key",
			status: http.StatusBadRequest,
			fields: []string{headerIdempotency},
			request: func(f *fixture) *http.Request {
				return f.signedJSON(validJSON, "clé avec espaces", f.clock.Now())
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.do(tc.request(f))
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tc.status, rec.Body)
			}
			p := decodeProblem(t, rec)
			if p.Status != tc.status {
				t.Errorf("problem status = %d, want %d", p.Status, tc.status)
			}
			got := p.fields()
			slices.Sort(got)
			if tc.fields != nil && !slices.Equal(got, tc.fields) {
				t.Errorf("fields = %v, want %v (%+v)", got, tc.fields, p.Errors)
			}
			list, err := f.store.List(store.ListFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 0 {
				t.Errorf("%d dossiers stored for a rejected submission", len(list))
			}
		})
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	f := newFixture(t)
	values := func() url.Values {
		return url.Values{"email": {"a@example.org"}, "subject": {"s"}, "message": {"m"}, "nature": {"information"}}
	}
	for i := range 4 {
		rec := f.do(f.publicForm(values(), time.Minute))
		if rec.Code != http.StatusCreated {
			t.Fatalf("submission %d: status %d, body %s", i, rec.Code, rec.Body)
		}
	}
	rec := f.do(f.publicForm(values(), time.Minute))
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("fifth submission: status %d, want 429; body %s", rec.Code, rec.Body)
	}
	if ra := rec.Header().Get("Retry-After"); ra != "900" {
		t.Errorf("Retry-After = %q, want 900 (one submission every 15 minutes)", ra)
	}

	other := f.publicForm(values(), time.Minute)
	other.RemoteAddr = "127.0.0.2:5555"
	if rec := f.do(other); rec.Code != http.StatusCreated {
		t.Errorf("another address: status %d, want 201", rec.Code)
	}
	f.clock.Advance(15 * time.Minute)
	if rec := f.do(f.publicForm(values(), time.Minute)); rec.Code != http.StatusCreated {
		t.Errorf("after the wait: status %d, want 201", rec.Code)
	}
}

func TestStorageFailureUnavailable(t *testing.T) {
	f := newFixture(t)
	f.store.Close()
	rec := f.do(f.signedJSON(validJSON, "", f.clock.Now()))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status = %d, want 503; body %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on 503")
	}
	decodeProblem(t, rec)

	health := f.do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if health.Code != http.StatusServiceUnavailable {
		t.Errorf("healthz after close: status %d, want 503", health.Code)
	}
}

func TestHealthz(t *testing.T) {
	f := newFixture(t)
	rec := f.do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != "ok" {
		t.Errorf("healthz = %d %q, want 200 ok", rec.Code, rec.Body)
	}
}
