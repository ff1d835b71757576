package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"

	"github.com/sved-project/sved/internal/config"
)

// Names of the fields that are not part of the request itself.
const (
	fieldToken       = "_token"  // form token of a served page
	fieldHoneypot    = "website" // must stay empty; robots fill it
	fieldAttachments = "attachments"
)

// Content types a submission may use.
const (
	typeJSON      = "application/json"
	typeForm      = "application/x-www-form-urlencoded"
	typeMultipart = "multipart/form-data"
)

// maxFieldBytes bounds one text field; maxMessageBytes the message.
const (
	maxFieldBytes   = 4 << 10
	maxMessageBytes = 100 << 10
)

// input is a decoded submission, not yet checked.
type input struct {
	fields map[string]string
	files  []upload
}

// upload is one attached file as the client sent it.
type upload struct {
	name    string // the client's file name, unsanitized
	content []byte
}

// limits bounds what decode accepts.
type limits struct {
	maxFiles     int
	maxFileBytes int64
}

func formLimits(f *config.Form) limits {
	return limits{maxFiles: f.Attachments.MaxFiles, maxFileBytes: f.Attachments.MaxFileBytes}
}

// decode parses a request body of the given Content-Type. It returns a
// *problem: 415 for a content type it does not take, 413 for a file
// over the size limit, 400 naming the field for anything else.
func decode(contentType string, body []byte, lim limits) (*input, error) {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil && contentType != "" {
		return nil, unsupported(fmt.Sprintf("Content-Type %q illisible.", contentType))
	}
	in := &input{fields: map[string]string{}}
	switch mediaType {
	case typeJSON:
		err = in.decodeJSON(body, lim)
	case typeForm:
		err = in.decodeURLEncoded(body)
	case typeMultipart:
		err = in.decodeMultipart(body, params["boundary"], lim)
	default:
		return nil, unsupported("Envoyez application/json, application/x-www-form-urlencoded ou multipart/form-data.")
	}
	if err != nil {
		return nil, err
	}
	if len(in.files) > lim.maxFiles {
		return nil, invalid(fieldError{fieldAttachments,
			fmt.Sprintf("Joignez au plus %d fichiers (%d reçus).", lim.maxFiles, len(in.files))})
	}
	return in, nil
}

// isKnownField reports whether a submission may carry the field.
func isKnownField(name string) bool {
	return name == fieldToken || name == fieldHoneypot || slices.Contains(config.FormFields, name)
}

// set records a text field, rejecting unknown, repeated and oversized
// ones.
func (in *input) set(name, value string) *problem {
	switch {
	case !isKnownField(name) || name == fieldAttachments:
		return invalid(fieldError{name, "Champ inconnu ; retirez-le."})
	case hasKey(in.fields, name):
		return invalid(fieldError{name, "Champ envoyé deux fois."})
	}
	limit := maxFieldBytes
	if name == "message" {
		limit = maxMessageBytes
	}
	if len(value) > limit {
		return invalid(fieldError{name, fmt.Sprintf("Texte trop long : %d octets au plus.", limit)})
	}
	in.fields[name] = value
	return nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// addFile records an attached file, rejecting one over the size limit.
func (in *input) addFile(name string, content []byte, lim limits) *problem {
	if int64(len(content)) > lim.maxFileBytes {
		return tooLarge(fmt.Sprintf("Le fichier %q dépasse %d octets.", name, lim.maxFileBytes))
	}
	in.files = append(in.files, upload{name: name, content: content})
	return nil
}

// jsonFile is an attachment in a JSON submission.
type jsonFile struct {
	Name    string `json:"name"`
	Content string `json:"content"` // standard base64
}

func (in *input) decodeJSON(body []byte, lim limits) error {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return invalid(fieldError{"body", "JSON invalide : un objet est attendu."})
	}
	if dec.More() {
		return invalid(fieldError{"body", "JSON invalide : un seul objet est attendu."})
	}
	var errs []fieldError
	for _, name := range sortedKeys(raw) {
		if name == fieldAttachments {
			if p := in.decodeJSONFiles(raw[name], lim); p != nil {
				if p.Status != 400 {
					return p
				}
				errs = append(errs, p.Errors...)
			}
			continue
		}
		var value string
		if err := json.Unmarshal(raw[name], &value); err != nil {
			errs = append(errs, fieldError{name, "Une chaîne de caractères est attendue."})
			continue
		}
		if p := in.set(name, value); p != nil {
			errs = append(errs, p.Errors...)
		}
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	return nil
}

func (in *input) decodeJSONFiles(raw json.RawMessage, lim limits) *problem {
	var files []jsonFile
	if err := json.Unmarshal(raw, &files); err != nil {
		return invalid(fieldError{fieldAttachments,
			`Une liste d'objets {"name": ..., "content": base64} est attendue.`})
	}
	for i, f := range files {
		if base64.StdEncoding.DecodedLen(len(f.Content)) > int(lim.maxFileBytes)+3 {
			return tooLarge(fmt.Sprintf("Le fichier %q dépasse %d octets.", f.Name, lim.maxFileBytes))
		}
		content, err := base64.StdEncoding.DecodeString(f.Content)
		if err != nil {
			return invalid(fieldError{fmt.Sprintf("%s[%d]", fieldAttachments, i),
				"Contenu illisible : du base64 est attendu."})
		}
		if p := in.addFile(f.Name, content, lim); p != nil {
			return p
		}
	}
	return nil
}

func (in *input) decodeURLEncoded(body []byte) error {
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return invalid(fieldError{"body", "Corps de formulaire illisible."})
	}
	var errs []fieldError
	for _, name := range sortedKeys(values) {
		for _, v := range values[name] {
			if p := in.set(name, v); p != nil {
				errs = append(errs, p.Errors...)
			}
		}
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	return nil
}

func (in *input) decodeMultipart(body []byte, boundary string, lim limits) error {
	if boundary == "" {
		return invalid(fieldError{"body", "Corps multipart sans délimiteur (boundary)."})
	}
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	var errs []fieldError
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return invalid(fieldError{"body", "Corps multipart illisible."})
		}
		p := in.readPart(part, lim)
		part.Close()
		switch {
		case p == nil:
		case p.Status != 400:
			return p
		default:
			errs = append(errs, p.Errors...)
		}
	}
	if len(errs) > 0 {
		return invalid(errs...)
	}
	return nil
}

// readPart reads one part of a multipart body as a file or a field.
// A browser sends an empty file input as a part with an empty file
// name and no content, which is skipped.
func (in *input) readPart(part *multipart.Part, lim limits) *problem {
	name := part.FormName()
	if name == fieldAttachments {
		content, err := io.ReadAll(io.LimitReader(part, lim.maxFileBytes+1))
		if err != nil {
			return invalid(fieldError{"body", "Corps multipart illisible."})
		}
		if part.FileName() == "" && len(content) == 0 {
			return nil
		}
		return in.addFile(part.FileName(), content, lim)
	}
	value, err := io.ReadAll(io.LimitReader(part, maxMessageBytes+1))
	if err != nil {
		return invalid(fieldError{"body", "Corps multipart illisible."})
	}
	return in.set(name, string(value))
}

// digest is a hash of the decoded submission: the same fields and
// files give the same digest, whatever the encoding of the body.
func (in *input) digest() string {
	h := sha256.New()
	for _, k := range sortedKeys(in.fields) {
		if k == fieldToken {
			continue
		}
		fmt.Fprintf(h, "%d:%s%d:%s", len(k), k, len(in.fields[k]), in.fields[k])
	}
	for _, f := range in.files {
		sum := sha256.Sum256(f.content)
		fmt.Fprintf(h, "file%d:%s%x", len(f.name), f.name, sum)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// trimField returns a field with surrounding white space removed.
func (in *input) trimField(name string) string {
	return strings.TrimSpace(in.fields[name])
}
