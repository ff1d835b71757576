package webhook

import (
	"testing"

	"github.com/sved-project/sved/internal/config"
)

func newTestForm() *config.Form {
	f := &config.Form{ID: "contact", Auth: config.FormAuthPublic, Natures: []string{"information"}}
	f.Required = config.DefaultFormRequired
	f.Attachments = config.FormAttachments{
		AllowedTypes: config.DefaultFormAllowedTypes,
		MaxFileBytes: 4096,
		MaxFiles:     3,
	}
	return f
}

// FuzzDecode checks that no body makes decode or check panic, and that
// every failure is a problem with a status the handler sends.
func FuzzDecode(f *testing.F) {
	f.Add(typeJSON, []byte(`{"email":"a@example.org","message":"m","attachments":[{"name":"a.pdf","content":"JVBERi0="}]}`))
	f.Add(typeForm, []byte("email=a%40example.org&message=m&subject=s&siret=73282932000074"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"message\"\r\n\r\nm\r\n"+
		"--X\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"../a.pdf\"\r\n\r\n%PDF-1.4\r\n--X--\r\n"))
	f.Add(typeJSON, []byte(`{"message":["x"],"attachments":"no"}`))
	f.Add("text/plain", []byte("x"))

	tenant := &config.Tenant{ID: "t", Natures: []*config.Nature{{ID: "information", Label: "Info"}}}
	form := newTestForm()
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		in, err := decode(contentType, body, formLimits(form))
		if err != nil {
			p := asProblem(err)
			switch p.Status {
			case 400, 413, 415:
			default:
				t.Fatalf("decode status %d", p.Status)
			}
			return
		}
		if len(in.files) > form.Attachments.MaxFiles {
			t.Fatalf("%d files accepted", len(in.files))
		}
		_ = in.digest()
		s, p := check(tenant, form, in)
		if p != nil {
			if p.Status != 400 || len(p.Errors) == 0 {
				t.Fatalf("check problem %+v", p)
			}
			return
		}
		for _, a := range s.Attachments {
			if a.FileName == "" || len(a.Content) == 0 {
				t.Fatalf("attachment %+v", a)
			}
		}
	})
}
