package config

import (
	"path/filepath"
	"time"
)

// HTTP configures the HTTP listener that receives web forms and serves
// the health endpoint. It is off while Listen is empty.
type HTTP struct {
	Listen  string `mapstructure:"listen"`   // host:port; "" turns the listener off
	TLSCert string `mapstructure:"tls_cert"` // PEM file; HTTPS is served when set
	TLSKey  string `mapstructure:"tls_key"`

	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"` // default 10s
	ReadTimeout       time.Duration `mapstructure:"read_timeout"`        // whole request, default 60s
	WriteTimeout      time.Duration `mapstructure:"write_timeout"`       // whole response, default 60s
	IdleTimeout       time.Duration `mapstructure:"idle_timeout"`        // keep-alive, default 120s
	MaxHeaderBytes    int           `mapstructure:"max_header_bytes"`    // default 16 KiB
	// MaxRequestBytes bounds a whole request body, attachments
	// included. Default 25 MiB.
	MaxRequestBytes int64 `mapstructure:"max_request_bytes"`
}

// Form authentication schemes.
const (
	// FormAuthHMAC is a form whose submissions the commune's web site
	// signs with a shared secret.
	FormAuthHMAC = "hmac"
	// FormAuthPublic is a form that browsers post to sved directly,
	// protected by a honeypot field, a minimum fill time, a rate limit
	// per client address and a same-origin check.
	FormAuthPublic = "public"
)

// Form is a web form of a tenant. Its id appears in the URLs
// /forms/ID and /v1/forms/ID, which name no tenant, so it is unique
// across the whole configuration.
type Form struct {
	ID    string `mapstructure:"id"`
	Title string `mapstructure:"title"` // heading of the served page
	// Natures lists the ids of the tenant's natures that a requester may
	// choose. With one, every submission gets it; with none, dossiers
	// wait for staff to qualify them.
	Natures []string `mapstructure:"natures"`
	// Required lists the fields a submission must fill (see FormFields).
	// Default: email, subject and message.
	Required []string `mapstructure:"required"`
	// Service receives the dossiers whose nature names no service.
	// Default: the tenant's default service.
	Service string `mapstructure:"service"`
	Auth    string `mapstructure:"auth"` // FormAuthHMAC or FormAuthPublic

	// SecretFile or SecretEnv names where the HMAC secret is read from.
	SecretFile string `mapstructure:"secret_file"`
	SecretEnv  string `mapstructure:"secret_env"`
	// Secret is filled by Load from SecretFile or SecretEnv.
	Secret string `mapstructure:"-"`
	// MaxSkew is how far the signed timestamp may be from the server's
	// clock. Default 5m.
	MaxSkew time.Duration `mapstructure:"max_skew"`

	Public      PublicForm      `mapstructure:"public"`
	Attachments FormAttachments `mapstructure:"attachments"`
	// Templates is a folder whose form.html.tmpl and
	// confirmation.html.tmpl replace the built-in pages.
	Templates string `mapstructure:"templates"`
}

// PublicForm sets the protections of a form with auth "public".
type PublicForm struct {
	// MinFillTime rejects a submission sent sooner after sved served
	// the page, as measured by the form token the page carries.
	// Default 3s.
	MinFillTime time.Duration `mapstructure:"min_fill_time"`
	// AllowWithoutToken accepts submissions that carry no form token,
	// which a form written into another site's pages cannot carry. They
	// skip the minimum fill time; the other checks still apply.
	AllowWithoutToken bool `mapstructure:"allow_without_token"`
	// RateLimit is the number of submissions one client address may
	// make per RateWindow. Default 10 per hour.
	RateLimit  int           `mapstructure:"rate_limit"`
	RateWindow time.Duration `mapstructure:"rate_window"`
	// AllowedOrigins lists the web origins, like
	// https://www.mairie-exemple.fr, whose pages may post the form
	// besides sved's own pages.
	AllowedOrigins []string `mapstructure:"allowed_origins"`
}

// FormAttachments bounds the files a submission may carry.
type FormAttachments struct {
	// AllowedTypes lists the media types accepted, as sniffed from the
	// content. Default application/pdf, image/jpeg and image/png.
	AllowedTypes []string `mapstructure:"allowed_types"`
	MaxFileBytes int64    `mapstructure:"max_file_bytes"` // default 10 MiB
	MaxFiles     int      `mapstructure:"max_files"`      // default 5
}

// FormFields lists the fields of a submission that Form.Required may
// name.
var FormFields = []string{
	"requester_type", "last_name", "first_name", "organization", "siret", "rna",
	"postal_address", "email", "phone", "nature", "subject", "message", "attachments",
}

// Defaults of the http section and of forms.
const (
	DefaultHTTPReadHeaderTimeout = 10 * time.Second
	DefaultHTTPReadTimeout       = 60 * time.Second
	DefaultHTTPWriteTimeout      = 60 * time.Second
	DefaultHTTPIdleTimeout       = 120 * time.Second
	DefaultHTTPMaxHeaderBytes    = 16 << 10
	DefaultHTTPMaxRequestBytes   = 25 << 20
	DefaultFormMaxSkew           = 5 * time.Minute
	DefaultFormMinFillTime       = 3 * time.Second
	DefaultFormRateLimit         = 10
	DefaultFormRateWindow        = time.Hour
	DefaultFormMaxFileBytes      = 10 << 20
	DefaultFormMaxFiles          = 5
)

// DefaultFormRequired and DefaultFormAllowedTypes are the defaults of
// Form.Required and FormAttachments.AllowedTypes.
var (
	DefaultFormRequired     = []string{"email", "subject", "message"}
	DefaultFormAllowedTypes = []string{"application/pdf", "image/jpeg", "image/png"}
)

// Form returns the form with the given id and its tenant, or nils.
func (c *Config) Form(id string) (*Tenant, *Form) {
	for _, t := range c.Tenants {
		if t == nil {
			continue
		}
		for _, f := range t.Forms {
			if f != nil && f.ID == id {
				return t, f
			}
		}
	}
	return nil, nil
}

// IsRequired reports whether the form requires the field.
func (f *Form) IsRequired(field string) bool {
	for _, r := range f.Required {
		if r == field {
			return true
		}
	}
	return false
}

// applyFormDefaults fills the http section and every form, and makes
// their paths absolute against baseDir.
func (c *Config) applyFormDefaults(baseDir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(baseDir, p)
	}
	c.HTTP.applyDefaults()
	c.HTTP.TLSCert = abs(c.HTTP.TLSCert)
	c.HTTP.TLSKey = abs(c.HTTP.TLSKey)
	for _, t := range c.Tenants {
		if t == nil {
			continue
		}
		for _, f := range t.Forms {
			if f == nil {
				continue
			}
			f.applyDefaults()
			f.SecretFile = abs(f.SecretFile)
			f.Templates = abs(f.Templates)
		}
	}
}

func (h *HTTP) applyDefaults() {
	setDefault(&h.ReadHeaderTimeout, DefaultHTTPReadHeaderTimeout)
	setDefault(&h.ReadTimeout, DefaultHTTPReadTimeout)
	setDefault(&h.WriteTimeout, DefaultHTTPWriteTimeout)
	setDefault(&h.IdleTimeout, DefaultHTTPIdleTimeout)
	setDefault(&h.MaxHeaderBytes, DefaultHTTPMaxHeaderBytes)
	setDefault(&h.MaxRequestBytes, DefaultHTTPMaxRequestBytes)
}

func (f *Form) applyDefaults() {
	if f.Required == nil {
		f.Required = append([]string(nil), DefaultFormRequired...)
	}
	setDefault(&f.MaxSkew, DefaultFormMaxSkew)
	setDefault(&f.Public.MinFillTime, DefaultFormMinFillTime)
	setDefault(&f.Public.RateLimit, DefaultFormRateLimit)
	setDefault(&f.Public.RateWindow, DefaultFormRateWindow)
	if f.Attachments.AllowedTypes == nil {
		f.Attachments.AllowedTypes = append([]string(nil), DefaultFormAllowedTypes...)
	}
	setDefault(&f.Attachments.MaxFileBytes, DefaultFormMaxFileBytes)
	setDefault(&f.Attachments.MaxFiles, DefaultFormMaxFiles)
}

// setDefault sets *v to def when it is zero.
func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
