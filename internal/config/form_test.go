package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const testFormSecret = "a-secret-of-at-least-thirty-two-bytes-for-tests"

// withForms returns the base configuration with an http section, a
// public form and an hmac form on the first tenant.
func withForms(t *testing.T) map[string]any {
	t.Helper()
	t.Setenv("SVED_TEST_FORM_SECRET", testFormSecret)
	m := baseMap(t)
	m["http"] = map[string]any{"listen": "127.0.0.1:8080"}
	set(t, m, "collectivites[0].forms", []any{
		map[string]any{
			"id": "contact", "title": "Écrire à la mairie", "auth": "public",
			"natures": []any{"info", "acte"},
			"public":  map[string]any{"allowed_origins": []any{"https://www.mairie-saint-exemple.fr"}},
		},
		map[string]any{"id": "site", "auth": "hmac", "secret_env": "SVED_TEST_FORM_SECRET"},
	})
	return m
}

func TestFormDefaults(t *testing.T) {
	cfg, err := Parse(marshal(t, withForms(t)))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if cfg.HTTP.ReadHeaderTimeout != DefaultHTTPReadHeaderTimeout || cfg.HTTP.MaxRequestBytes != DefaultHTTPMaxRequestBytes {
		t.Errorf("http defaults not applied: %+v", cfg.HTTP)
	}
	tenant, form := cfg.Form("contact")
	if tenant == nil || tenant.ID != "saint-exemple" {
		t.Fatalf("Form(contact) tenant = %v", tenant)
	}
	if !slices.Equal(form.Required, DefaultFormRequired) || form.Public.MinFillTime != 3*time.Second ||
		form.Attachments.MaxFiles != DefaultFormMaxFiles {
		t.Errorf("form defaults not applied: %+v", form)
	}
	if _, site := cfg.Form("site"); site.Secret != testFormSecret {
		t.Error("hmac secret not read from the environment")
	}
	if _, none := cfg.Form("nope"); none != nil {
		t.Error("Form(nope) found a form")
	}
}

func TestFormHTTPOffByDefault(t *testing.T) {
	cfg, err := Parse(marshal(t, baseMap(t)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Listen != "" {
		t.Errorf("http.listen = %q, want empty", cfg.HTTP.Listen)
	}
}

func TestFormValidation(t *testing.T) {
	dir := t.TempDir()
	shortSecret := filepath.Join(dir, "short")
	os.WriteFile(shortSecret, []byte("too-short\n"), 0o600)
	const f0 = "collectivites[0].forms[0]"
	const f1 = "collectivites[0].forms[1]"
	tests := []struct {
		name  string
		edit  func(t *testing.T, m map[string]any)
		paths []string
		msg   string
	}{
		{"invalid listen", func(t *testing.T, m map[string]any) { m["http"] = map[string]any{"listen": "8080"} },
			[]string{"http.listen"}, "host:port"},
		{"tls key without cert", func(t *testing.T, m map[string]any) {
			m["http"] = map[string]any{"listen": "127.0.0.1:8443", "tls_key": filepath.Join(dir, "short")}
		}, []string{"http.tls_cert"}, "missing"},
		{"negative timeout", func(t *testing.T, m map[string]any) {
			m["http"] = map[string]any{"read_timeout": "-1s"}
		}, []string{"http.read_timeout"}, "negative"},
		{"duplicate form id across tenants", func(t *testing.T, m map[string]any) {
			set(t, m, "collectivites[1].forms", []any{map[string]any{"id": "contact", "auth": "public"}})
		}, []string{"collectivites[1].forms[0].id"}, `duplicate form id "contact", already used at ` + f0 + ".id"},
		{"invalid form id", func(t *testing.T, m map[string]any) { set(t, m, f0+".id", "Contact Form") },
			[]string{f0 + ".id"}, "lower-case"},
		{"unknown nature", func(t *testing.T, m map[string]any) { set(t, m, f0+".natures", []any{"info", "cu", "permis"}) },
			[]string{f0 + ".natures[2]"}, `unknown nature "permis"; use one of: acte, cu, info`},
		{"unknown required field", func(t *testing.T, m map[string]any) { set(t, m, f0+".required", []any{"email", "age"}) },
			[]string{f0 + ".required[1]"}, `unknown field "age"`},
		{"unknown service", func(t *testing.T, m map[string]any) { set(t, m, f0+".service", "voirie") },
			[]string{f0 + ".service"}, "unknown service"},
		{"missing auth", func(t *testing.T, m map[string]any) { del(t, m, f0+".auth") },
			[]string{f0 + ".auth"}, "missing"},
		{"invalid auth", func(t *testing.T, m map[string]any) { set(t, m, f0+".auth", "basic") },
			[]string{f0 + ".auth"}, "invalid value"},
		{"hmac without secret", func(t *testing.T, m map[string]any) { del(t, m, f1+".secret_env") },
			[]string{f1 + ".secret_file"}, "missing"},
		{"public with secret", func(t *testing.T, m map[string]any) { set(t, m, f0+".secret_env", "X") },
			[]string{f0 + ".auth"}, "remove secret_file"},
		{"short secret", func(t *testing.T, m map[string]any) {
			del(t, m, f1+".secret_env")
			set(t, m, f1+".secret_file", shortSecret)
		}, []string{f1 + ".secret_file"}, "openssl rand -hex 32"},
		{"unset secret variable", func(t *testing.T, m map[string]any) { set(t, m, f1+".secret_env", "SVED_TEST_UNSET") },
			[]string{f1 + ".secret_env"}, "SVED_TEST_UNSET is empty or unset"},
		{"origin with path", func(t *testing.T, m map[string]any) {
			set(t, m, f0+".public.allowed_origins", []any{"https://www.mairie.fr/contact"})
		}, []string{f0 + ".public.allowed_origins[0]"}, "invalid origin"},
		{"negative rate limit", func(t *testing.T, m map[string]any) { set(t, m, f0+".public.rate_limit", -1) },
			[]string{f0 + ".public.rate_limit"}, "negative"},
		{"invalid media type", func(t *testing.T, m map[string]any) {
			set(t, m, f0+".attachments", map[string]any{"allowed_types": []any{"application/pdf", "PDF"}})
		}, []string{f0 + ".attachments.allowed_types[1]"}, "invalid media type"},
		{"templates not a folder", func(t *testing.T, m map[string]any) { set(t, m, f0+".templates", shortSecret) },
			[]string{f0 + ".templates"}, "not a folder"},
		{"unknown form key", func(t *testing.T, m map[string]any) { set(t, m, f0+".secret", "s3cret") },
			[]string{f0 + ".secret"}, "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := withForms(t)
			tc.edit(t, m)
			_, err := Parse(marshal(t, m))
			problems := fieldErrors(t, err)
			var paths []string
			for _, fe := range problems {
				paths = append(paths, fe.Path)
			}
			if !slices.Equal(paths, tc.paths) {
				t.Fatalf("paths = %q, want %q\nerror:\n%v", paths, tc.paths, err)
			}
			if !strings.Contains(problems[0].Message, tc.msg) {
				t.Errorf("message = %q, want it to contain %q", problems[0].Message, tc.msg)
			}
			if strings.Contains(err.Error(), testFormSecret) {
				t.Error("error text contains the secret")
			}
		})
	}
}
