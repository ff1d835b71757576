// Package notify writes the French letters that sved sends. The accusé
// d'enregistrement électronique (AEE) and the attestation of implicit
// acceptance (CRPA L232-3) go to the requester. The forward of a
// request, the forward of a follow-up message (complément) that a
// requester sends to an existing dossier, the alerts before and after a
// due date, the notice that an implicit decision is born, and the daily
// digest go to the service in charge.
//
// Each letter is three templates, embedded in the binary: NAME.subject.tmpl
// and NAME.txt.tmpl (text/template) and NAME.html.tmpl (html/template).
// A file of the same name in the override directory given to New replaces
// the embedded one. Templates receive a Data value.
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
	texttemplate "text/template"
)

//go:embed templates/*.tmpl
var embedded embed.FS

// Letter kinds, stored as store.OutboundMail.Kind.
const (
	KindAEE      = "aee"
	KindForward  = "forward"
	KindFollowUp = "complement"
	// KindAlert warns a service of a due date; KindImplicit tells it that
	// an implicit decision is born; KindDigest is its daily summary.
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
}

// executor is the method that text/template and html/template share.
type executor interface {
	Execute(w io.Writer, data any) error
}

// Renderer builds the outgoing letters from templates parsed once.
type Renderer struct {
	hostname  string
	templates map[string]executor // by file name, e.g. "aee.txt.tmpl"
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

	r := &Renderer{hostname: hostname, templates: map[string]executor{}}
	for _, letter := range templateNames {
		for _, suffix := range []string{".subject.tmpl", ".txt.tmpl", ".html.tmpl"} {
			name := letter + suffix
			tmpl, err := loadTemplate(name, overrideDir)
			if err != nil {
				return nil, err
			}
			r.templates[name] = tmpl
		}
	}
	return r, nil
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
}

// render executes the three templates of the letter of the given kind
// with data; ref names the dossier, or the digest, in errors.
func (r *Renderer) render(kind, ref string, data any) (subject, text, html string, err error) {
	letter := templateNames[kind]
	out := make([]string, 3)
	for i, suffix := range []string{".subject.tmpl", ".txt.tmpl", ".html.tmpl"} {
		var buf bytes.Buffer
		if err := r.templates[letter+suffix].Execute(&buf, data); err != nil {
			return "", "", "", fmt.Errorf("render %s%s for %s: %w", letter, suffix, ref, err)
		}
		out[i] = buf.String()
	}
	// A subject is one line, whatever the template's line breaks.
	subject = strings.Join(strings.Fields(out[0]), " ")
	return subject, out[1], out[2], nil
}
