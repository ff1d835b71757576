package webhook

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sved-project/sved/internal/store"
)

// countDossiers returns the number of stored dossiers and queued mails.
func countDossiers(t *testing.T, f *fixture) (dossiers, mails int) {
	t.Helper()
	list, err := f.store.List(store.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		m, err := f.store.Mails(d.Ref)
		if err != nil {
			t.Fatal(err)
		}
		mails += len(m)
	}
	return len(list), mails
}

func TestSignedReplayOneDossier(t *testing.T) {
	f := newFixture(t)
	req := f.signedJSON(validJSON, "", f.clock.Now())
	body, _ := io.ReadAll(req.Body)
	replay := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/v1/forms/site", strings.NewReader(string(body)))
		r.Header = req.Header.Clone()
		return r
	}

	first := decodeCreated(t, f.do(replay()))
	f.clock.Advance(time.Minute)
	rec := f.do(replay())
	second := decodeCreated(t, rec)
	if second.Reference != first.Reference {
		t.Errorf("replay gave %s, first request %s", second.Reference, first.Reference)
	}
	if second.ReceivedAt != first.ReceivedAt {
		t.Errorf("replay received_at %s, first %s", second.ReceivedAt, first.ReceivedAt)
	}
	if rec.Header().Get("Idempotent-Replayed") != "true" {
		t.Error("replay lacks Idempotent-Replayed: true")
	}

	f.clock.Advance(5 * time.Minute)
	if rec := f.do(replay()); rec.Code != http.StatusUnauthorized {
		t.Errorf("replay after max_skew: status %d, want 401", rec.Code)
	}
	if d, m := countDossiers(t, f); d != 1 || m != 2 {
		t.Errorf("%d dossiers and %d mails, want 1 and 2", d, m)
	}
}

func TestIdempotencyKeyOneDossier(t *testing.T) {
	f := newFixture(t)
	first := decodeCreated(t, f.do(f.signedJSON(validJSON, "commande-42", f.clock.Now())))
	// A retry signs again with a new timestamp, so only the key ties it
	// to the first request.
	f.clock.Advance(30 * time.Second)
	second := decodeCreated(t, f.do(f.signedJSON(validJSON, "commande-42", f.clock.Now())))
	if second.Reference != first.Reference {
		t.Errorf("retry gave %s, first %s", second.Reference, first.Reference)
	}
	other := decodeCreated(t, f.do(f.signedJSON(validJSON, "commande-43", f.clock.Now())))
	if other.Reference == first.Reference {
		t.Error("another key gave the same dossier")
	}
	if d, m := countDossiers(t, f); d != 2 || m != 4 {
		t.Errorf("%d dossiers and %d mails, want 2 and 4", d, m)
	}
}

func TestFormTokenOneDossier(t *testing.T) {
	f := newFixture(t)
	values := url.Values{"email": {"a@example.org"}, "subject": {"s"}, "message": {"m"}, "nature": {"information"},
		fieldToken: {issueToken(f.key, "contact", f.clock.Now().Add(-time.Minute))}}
	first := decodeCreated(t, f.do(f.publicForm(values, 0)))
	second := decodeCreated(t, f.do(f.publicForm(values, 0)))
	if first.Reference != second.Reference {
		t.Errorf("same token gave %s and %s", first.Reference, second.Reference)
	}
	if d, _ := countDossiers(t, f); d != 1 {
		t.Errorf("%d dossiers, want 1", d)
	}
}

func TestSameContentWithoutTokenOneDossier(t *testing.T) {
	f := newFixture(t)
	f.cfg.Tenants[0].Forms[0].Public.AllowWithoutToken = true
	post := func(encoding string) *http.Request {
		fields := map[string]string{"email": "a@example.org", "subject": "s", "message": "m", "nature": "acte"}
		if encoding == typeForm {
			v := url.Values{}
			for k, x := range fields {
				v.Set(k, x)
			}
			r := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", typeForm)
			return r
		}
		ct, body := multipartBody(t, fields, nil)
		r := httptest.NewRequest(http.MethodPost, "/v1/forms/contact", body)
		r.Header.Set("Content-Type", ct)
		return r
	}
	first := decodeCreated(t, f.do(post(typeForm)))
	second := decodeCreated(t, f.do(post(typeMultipart)))
	if first.Reference != second.Reference {
		t.Errorf("same fields in two encodings gave %s and %s", first.Reference, second.Reference)
	}
}

// TestUnsignedKeyCannotTakeOver checks that on a public form a client
// key neither multiplies the dossiers of one token nor returns someone
// else's submission.
func TestUnsignedKeyCannotTakeOver(t *testing.T) {
	f := newFixture(t)
	token := issueToken(f.key, "contact", f.clock.Now().Add(-time.Minute))
	clients := 1
	post := func(email, key string, withToken bool) created {
		values := url.Values{"email": {email}, "subject": {"s"}, "message": {"m " + email}, "nature": {"information"}}
		if withToken {
			values.Set(fieldToken, token)
		}
		r := f.publicForm(values, time.Minute)
		r.Header.Set(headerIdempotency, key)
		// Each post from its own address, below the rate limit.
		clients++
		r.RemoteAddr = "127.0.0." + strconv.Itoa(clients) + ":40000"
		return decodeCreated(t, f.do(r))
	}
	a := post("a@example.org", "robot-1", true)
	if b := post("a@example.org", "robot-2", true); b.Reference != a.Reference {
		t.Errorf("one token with two keys gave %s and %s", a.Reference, b.Reference)
	}

	// A page reused for another request keeps the two apart.
	if c := post("c@example.org", "robot-3", true); c.Reference == a.Reference || c.Acknowledgement != "c@example.org" {
		t.Errorf("a reused page returned the first submission: %+v", c)
	}

	f.cfg.Tenants[0].Forms[0].Public.AllowWithoutToken = true
	victim := post("victim@example.org", "shared", false)
	thief := post("thief@example.org", "shared", false)
	if thief.Reference == victim.Reference || thief.Acknowledgement == "victim@example.org" {
		t.Errorf("a reused key returned the victim's submission: %+v", thief)
	}
}
