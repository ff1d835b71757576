// Package notify writes the French letters that sved sends.
//
// The requester gets the accusé d'enregistrement (AEE), the accusé de
// réception (ARE), the refusal, the request for pieces, the transfer
// notice, the relayed staff replies and the attestation of implicit
// acceptance (CRPA L232-3). The service in charge gets the forward of a
// request and of each complément, the alerts about due dates, the
// notice of an implicit decision, the report of a suspicious message
// and the daily digest. An agent whose reply cannot be obeyed gets the
// staff error reply, and a competent authority the transfer.
//
// Each letter is three templates, embedded in the binary: NAME.subject.tmpl
// and NAME.txt.tmpl (text/template) and NAME.html.tmpl (html/template).
// A file of the same name in the override directory given to New, or in
// a tenant's templates folder, replaces the embedded one. Templates
// receive a Data value, and the digest a DigestData value.
package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/sved-project/sved/internal/config"
)

//go:embed templates/*.tmpl
var embedded embed.FS

// Letter kinds, stored as store.OutboundMail.Kind.
const (
	KindAEE      = "aee"
	KindForward  = "forward"
	KindFollowUp = "complement"
	// KindAlert warns a service of a due date, KindImplicit is the
	// notice that an implicit decision is born, and KindDigest is the
	// service's daily summary.
	KindAlert    = "alert"
	KindImplicit = "implicit"
	KindDigest   = "digest"
	// KindAttestation is the attestation of implicit acceptance (CRPA
	// L232-3) for the requester.
	KindAttestation = "attestation"
)

// templateNames gives, for each letter kind, the base name of its
// template files, which New loads.
var templateNames = map[string]string{
	KindAEE:         "aee",
	KindForward:     "forward",
	KindFollowUp:    "followup",
	KindAlert:       "alert",
	KindImplicit:    "implicit",
	KindDigest:      "digest",
	KindAttestation: "attestation",

	KindARE:            "are",
	KindRefusal:        "refusal",
	KindPieces:         "pieces",
	KindTransferNotice: "transfer_notice",
	KindReply:          "reply",
	KindTransfer:       "transfer",
	KindStaffError:     "staff_error",
	KindSuspicious:     "suspicious",
}

// executor is the method that text/template and html/template share.
type executor interface {
	Execute(w io.Writer, data any) error
}

// templateSet maps each template file name, e.g. "aee.txt.tmpl", to
// its parsed template.
type templateSet map[string]executor

// Renderer builds the outgoing letters from templates parsed once.
type Renderer struct {
	hostname  string
	templates templateSet

	mu sync.Mutex
	// tenantSets caches the sets of the tenants' template folders, by
	// folder, so that a reloaded configuration that names another folder
	// gets it parsed.
	tenantSets map[string]templateSet
}

// New parses the embedded templates, each replaced by the file of the
// same name in overrideDir when there is one. An empty overrideDir uses
// the embedded templates only. hostname is the domain of the Message-IDs
// of the letters. New returns an error naming the file that fails to
// parse.
func New(hostname, overrideDir string) (*Renderer, error) {
	if overrideDir != "" {
		if fi, err := os.Stat(overrideDir); err != nil {
			return nil, fmt.Errorf("template override directory: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("template override directory %s is not a directory", overrideDir)
		}
	}

	r := &Renderer{hostname: hostname, templates: templateSet{}, tenantSets: map[string]templateSet{}}
	for _, name := range templateFiles() {
		tmpl, err := loadTemplate(name, overrideDir)
		if err != nil {
			return nil, err
		}
		r.templates[name] = tmpl
	}
	return r, nil
}

// templateFiles lists the file names of every letter's templates.
func templateFiles() []string {
	var names []string
	for _, letter := range templateNames {
		for _, suffix := range []string{".subject.tmpl", ".txt.tmpl", ".html.tmpl"} {
			names = append(names, letter+suffix)
		}
	}
	return names
}

// LoadTenants parses the template folder of every tenant of cfg and,
// when all parse, makes them the ones the letters use, so that a
// reloaded configuration or an edited template applies to the next
// letter. On error it names the file and keeps the sets in use.
func (r *Renderer) LoadTenants(cfg *config.Config) error {
	sets := map[string]templateSet{}
	for _, t := range cfg.Tenants {
		if t == nil || t.Templates == "" || sets[t.Templates] != nil {
			continue
		}
		set, err := r.loadSet(t)
		if err != nil {
			return err
		}
		sets[t.Templates] = set
	}
	r.mu.Lock()
	r.tenantSets = sets
	r.mu.Unlock()
	return nil
}

// setFor returns the templates of tenant t: the files of its template
// folder, else the renderer's own.
func (r *Renderer) setFor(t *config.Tenant) (templateSet, error) {
	if t == nil || t.Templates == "" {
		return r.templates, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if set, ok := r.tenantSets[t.Templates]; ok {
		return set, nil
	}
	set, err := r.loadSet(t)
	if err != nil {
		return nil, err
	}
	r.tenantSets[t.Templates] = set
	return set, nil
}

// loadSet parses the templates of the tenant's folder; a letter file
// the folder lacks is the renderer's own.
func (r *Renderer) loadSet(t *config.Tenant) (templateSet, error) {
	if fi, err := os.Stat(t.Templates); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("templates of %s: %s is not a readable folder", t.ID, t.Templates)
	}
	set := templateSet{}
	for _, name := range templateFiles() {
		path := filepath.Join(t.Templates, name)
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			set[name] = r.templates[name]
			continue
		}
		tmpl, err := loadTemplate(name, t.Templates)
		if err != nil {
			return nil, fmt.Errorf("templates of %s: %w", t.ID, err)
		}
		set[name] = tmpl
	}
	return set, nil
}

// loadTemplate reads and parses one template, from overrideDir when it
// has the file, else from the embedded set.
func loadTemplate(name, overrideDir string) (executor, error) {
	src, origin, err := readTemplate(name, overrideDir)
	if err != nil {
		return nil, err
	}

	var tmpl executor
	if strings.HasSuffix(name, ".html.tmpl") {
		tmpl, err = htmltemplate.New(name).Funcs(htmltemplate.FuncMap(funcs)).
			Option("missingkey=error").Parse(src)
	} else {
		tmpl, err = texttemplate.New(name).Funcs(funcs).
			Option("missingkey=error").Parse(src)
	}
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", origin, err)
	}
	return tmpl, nil
}

// readTemplate returns the source of a template and where it came from.
func readTemplate(name, overrideDir string) (src, origin string, err error) {
	if overrideDir != "" {
		path := filepath.Join(overrideDir, name)
		b, err := os.ReadFile(path)
		if err == nil {
			return string(b), path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", fmt.Errorf("read template override: %w", err)
		}
	}
	b, err := embedded.ReadFile("templates/" + name)
	if err != nil {
		return "", "", fmt.Errorf("read embedded template %s: %w", name, err)
	}
	return string(b), "embedded " + name, nil
}

// funcs are the functions available to every template.
var funcs = texttemplate.FuncMap{
	"join":  strings.Join,
	"count": frenchCount,
	"de":    frenchDe,
}

// render executes the three templates of the letter of the given kind
// for tenant t with data. ref names the dossier, or the digest, in
// errors.
func (r *Renderer) render(t *config.Tenant, kind, ref string, data any) (subject, text, html string, err error) {
	set, err := r.setFor(t)
	if err != nil {
		return "", "", "", err
	}
	letter := templateNames[kind]
	out := make([]string, 3)
	for i, suffix := range []string{".subject.tmpl", ".txt.tmpl", ".html.tmpl"} {
		var buf bytes.Buffer
		if err := set[letter+suffix].Execute(&buf, data); err != nil {
			return "", "", "", fmt.Errorf("render %s%s for %s: %w", letter, suffix, ref, err)
		}
		out[i] = buf.String()
	}
	// A subject is one line, whatever the template's line breaks.
	subject = strings.Join(strings.Fields(out[0]), " ")
	return subject, out[1], out[2], nil
}
