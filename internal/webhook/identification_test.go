package webhook

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jhillyerd/enmime/v2"
)

func TestMissingIdentificationFlagged(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		missing []string
	}{
		{"person without postal address",
			`{"last_name":"Martin","first_name":"Jeanne","email":"j@example.org","subject":"s","message":"m"}`,
			[]string{"postal_address"}},
		{"company without siret",
			`{"requester_type":"company","organization":"Boulangerie","email":"b@example.org","subject":"s","message":"m"}`,
			[]string{"siret"}},
		{"association with rna",
			`{"requester_type":"association","rna":"w751234567","email":"c@example.org","subject":"s","message":"m"}`,
			nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			c := decodeCreated(t, f.do(f.signedJSON(tc.body, "", f.clock.Now())))
			d, err := f.store.Get(c.Reference)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Identification.Missing, tc.missing) {
				t.Errorf("missing = %v, want %v", d.Identification.Missing, tc.missing)
			}
			flagged := slices.ContainsFunc(d.Warnings, func(w string) bool {
				return strings.HasPrefix(w, "identification incomplete")
			})
			if flagged != (tc.missing != nil) {
				t.Errorf("warnings = %v", d.Warnings)
			}

			aee := queuedMail(t, f, c.Reference, "aee")
			says := strings.Contains(aee.Text, "servent à vous identifier")
			if says != (tc.missing != nil) {
				t.Errorf("AEE mentions missing identification: %v, want %v\n%s", says, tc.missing != nil, aee.Text)
			}
		})
	}
}

// queuedMail returns the parsed queued mail of the given kind.
func queuedMail(t *testing.T, f *fixture, ref, kind string) *enmime.Envelope {
	t.Helper()
	mails, err := f.store.Mails(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if m.Kind != kind {
			continue
		}
		raw, err := f.store.MailRaw(m.ID)
		if err != nil {
			t.Fatal(err)
		}
		env, err := enmime.ReadEnvelope(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		return env
	}
	t.Fatalf("no %s mail queued for %s", kind, ref)
	return nil
}

func TestAttachmentSniffedAndRenamed(t *testing.T) {
	f := newFixture(t)
	pdf := "%PDF-1.4\n1 0 obj <<>> endobj\n"
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
	ct, body := multipartBody(t, map[string]string{
		fieldToken: issueToken(f.key, "contact", f.clock.Now().Add(-time.Minute)),
		"email":    "a@example.org", "subject": "Pièces", "message": "Voir pièces jointes.", "nature": "acte",
	}, [][2]string{{`..\..\windows\plan "cadastral".jpg`, pdf}, {".htaccess", png}})
	req := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", body)
	req.Header.Set("Content-Type", ct)
	c := decodeCreated(t, f.do(req))

	d, err := f.store.Get(c.Reference)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]string
	for _, a := range d.Attachments {
		got = append(got, [2]string{a.FileName, a.ContentType})
	}
	want := [][2]string{{"plan _cadastral_.pdf", "application/pdf"}, {"htaccess.png", "image/png"}}
	if !slices.Equal(got, want) {
		t.Errorf("attachments = %v, want %v", got, want)
	}

	fwd := queuedMail(t, f, c.Reference, "forward")
	if len(fwd.Attachments) != 2 {
		t.Errorf("forward carries %d attachments, want 2", len(fwd.Attachments))
	}
}
