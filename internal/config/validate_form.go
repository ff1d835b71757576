package config

import (
	"errors"
	"fmt"
	"mime"
	"net/url"
	"os"
	"slices"
	"strings"
)

// minSecretBytes is the shortest HMAC secret accepted: 32 bytes, the
// output size of SHA-256 (RFC 2104 section 3 advises keys no shorter).
const minSecretBytes = 32

func (h *HTTP) validate(p *problems) {
	if h.Listen != "" {
		if err := checkListen(h.Listen); err != nil {
			p.add("http.listen", "invalid address %q; write it as host:port, like 127.0.0.1:8080", h.Listen)
		}
	}
	checkDuration(p, "http.read_header_timeout", h.ReadHeaderTimeout)
	checkDuration(p, "http.read_timeout", h.ReadTimeout)
	checkDuration(p, "http.write_timeout", h.WriteTimeout)
	checkDuration(p, "http.idle_timeout", h.IdleTimeout)
	checkNotNegative(p, "http.max_header_bytes", int64(h.MaxHeaderBytes))
	checkNotNegative(p, "http.max_request_bytes", h.MaxRequestBytes)

	switch {
	case h.TLSCert != "" && h.TLSKey == "":
		p.add("http.tls_key", "missing; tls_cert is set, so name the file of its private key")
	case h.TLSCert == "" && h.TLSKey != "":
		p.add("http.tls_cert", "missing; tls_key is set, so name the file of its certificate")
	}
	checkRegularFile(p, "http.tls_cert", h.TLSCert)
	checkRegularFile(p, "http.tls_key", h.TLSKey)
}

// validateForms checks every form of every tenant. Form ids are unique
// across the configuration because the URLs name no tenant.
func (c *Config) validateForms(p *problems) {
	ids := map[string]string{}
	for i, t := range c.Tenants {
		if t == nil {
			continue
		}
		for j, f := range t.Forms {
			path := fmt.Sprintf("collectivites[%d].forms[%d]", i, j)
			if f == nil {
				p.add(path, "empty entry; remove it or fill in the form")
				continue
			}
			switch {
			case f.ID == "":
				p.add(path+".id", "missing; give a short name like contact-saint-exemple")
			case !idPattern.MatchString(f.ID):
				p.add(path+".id", "invalid id %q; use lower-case letters, digits and hyphens", f.ID)
			default:
				unique(p, ids, f.ID, path+".id", "form id")
			}
			f.validate(p, path, t)
		}
	}
}

func (f *Form) validate(p *problems, path string, t *Tenant) {
	checkText(p, path+".title", f.Title, false)
	seen := map[string]string{}
	for i, id := range f.Natures {
		npath := fmt.Sprintf("%s.natures[%d]", path, i)
		if t.Nature(id) == nil {
			t.addUnknownNature(p, npath, id)
			continue
		}
		unique(p, seen, id, npath, "nature")
	}
	for i, field := range f.Required {
		if !slices.Contains(FormFields, field) {
			p.add(fmt.Sprintf("%s.required[%d]", path, i), "unknown field %q; use one of: %s",
				field, oneOf(FormFields))
		}
	}
	if f.Service != "" && t.Service(f.Service) == nil {
		t.addUnknownService(p, path+".service", f.Service)
	}
	f.validateAuth(p, path)
	f.validateAttachments(p, path+".attachments")
	if f.Templates != "" {
		if info, err := os.Stat(f.Templates); err != nil {
			p.add(path+".templates", "cannot read folder: %v", err)
		} else if !info.IsDir() {
			p.add(path+".templates", "%s is not a folder", f.Templates)
		}
	}
}

func (f *Form) validateAuth(p *problems, path string) {
	hasSecret := f.SecretFile != "" || f.SecretEnv != ""
	switch f.Auth {
	case FormAuthHMAC:
		if !hasSecret {
			p.add(path+".secret_file", "missing; an hmac form needs secret_file or secret_env")
		}
	case FormAuthPublic:
		if hasSecret {
			p.add(path+".auth", "is public, so remove secret_file and secret_env, or use hmac")
		}
	case "":
		p.add(path+".auth", "missing; use hmac (the web site signs each submission) or public")
	default:
		p.add(path+".auth", "invalid value %q; use one of: %s, %s", f.Auth, FormAuthHMAC, FormAuthPublic)
	}
	checkDuration(p, path+".max_skew", f.MaxSkew)

	pub := &f.Public
	checkDuration(p, path+".public.min_fill_time", pub.MinFillTime)
	checkDuration(p, path+".public.rate_window", pub.RateWindow)
	checkNotNegative(p, path+".public.rate_limit", int64(pub.RateLimit))
	for i, origin := range pub.AllowedOrigins {
		if err := checkOrigin(origin); err != nil {
			p.add(fmt.Sprintf("%s.public.allowed_origins[%d]", path, i),
				"invalid origin %q: %v; write it like https://www.mairie-exemple.fr", origin, err)
		}
	}
}

// checkOrigin checks a web origin: a scheme, a host and an optional
// port, with no path, query or user.
func checkOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil {
		return err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q is not http or https", u.Scheme)
	case u.Host == "":
		return errors.New("no host")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/"):
		return errors.New("an origin has no user, path, query or fragment")
	}
	return nil
}

func (f *Form) validateAttachments(p *problems, path string) {
	a := &f.Attachments
	for i, t := range a.AllowedTypes {
		mt, params, err := mime.ParseMediaType(t)
		if err != nil || len(params) > 0 || mt != strings.ToLower(t) || !strings.Contains(mt, "/") {
			p.add(fmt.Sprintf("%s.allowed_types[%d]", path, i),
				"invalid media type %q; write it in lower case without parameters, like application/pdf", t)
		}
	}
	checkNotNegative(p, path+".max_file_bytes", a.MaxFileBytes)
	checkNotNegative(p, path+".max_files", int64(a.MaxFiles))
}

// readFormSecrets fills Form.Secret of every hmac form from its
// secret_file or secret_env. Problems name the file or the variable,
// never the secret.
func (c *Config) readFormSecrets(p *problems) {
	for i, t := range c.Tenants {
		if t == nil {
			continue
		}
		for j, f := range t.Forms {
			if f == nil || f.Auth != FormAuthHMAC {
				continue
			}
			f.readSecret(p, fmt.Sprintf("collectivites[%d].forms[%d]", i, j))
		}
	}
}

func (f *Form) readSecret(p *problems, path string) {
	var secret, key string
	switch {
	case f.SecretFile != "" && f.SecretEnv != "":
		p.add(path+".secret_env", "set only one of secret_file and secret_env")
		return
	case f.SecretFile != "":
		key = path + ".secret_file"
		s, err := readSecretFile(f.SecretFile)
		if err != nil {
			p.add(key, "%v", err)
			return
		}
		secret = s
	case f.SecretEnv != "":
		key = path + ".secret_env"
		secret = os.Getenv(f.SecretEnv)
		if strings.TrimSpace(secret) == "" {
			p.add(key, "environment variable %s is empty or unset; export it before starting sved", f.SecretEnv)
			return
		}
	default:
		return
	}
	if len(secret) < minSecretBytes {
		p.add(key, "the secret is shorter than %d bytes; generate one with: openssl rand -hex 32", minSecretBytes)
		return
	}
	f.Secret = secret
}
