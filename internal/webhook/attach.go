package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sved-project/sved/internal/message"
)

// maxFileNameRunes bounds a sanitized file name, extension included.
const maxFileNameRunes = 120

// attachments checks the attached files against the form: each must be
// non-empty and of an allowed type, as sniffed from its first bytes.
// The type the client declared is never trusted.
func (c *checker) attachments() []message.Part {
	files := c.in.files
	if len(files) == 0 && c.form.IsRequired(fieldAttachments) {
		c.fail(fieldAttachments, "Joignez au moins un fichier.")
	}
	var parts []message.Part
	for i, f := range files {
		field := fmt.Sprintf("%s[%d]", fieldAttachments, i)
		if len(f.content) == 0 {
			c.fail(field, "Le fichier %q est vide.", displayFileName(f.name))
			continue
		}
		ctype := sniffType(f.content)
		if !slices.Contains(c.form.Attachments.AllowedTypes, ctype) {
			c.fail(field, "Le fichier %q est de type %s, non accepté ; types acceptés : %s.",
				displayFileName(f.name), ctype, strings.Join(c.form.Attachments.AllowedTypes, ", "))
			continue
		}
		sum := sha256.Sum256(f.content)
		parts = append(parts, message.Part{
			FileName:    sanitizeFileName(f.name, i+1, ctype),
			ContentType: ctype,
			Content:     f.content,
			SHA256:      hex.EncodeToString(sum[:]),
		})
	}
	return parts
}

// sniffType returns the media type of content as the WHATWG MIME
// sniffing algorithm finds it (net/http.DetectContentType), without
// parameters.
func sniffType(content []byte) string {
	mt, _, err := mime.ParseMediaType(http.DetectContentType(content))
	if err != nil {
		return "application/octet-stream"
	}
	return mt
}

// displayFileName returns a client's file name fit for an error
// message.
func displayFileName(name string) string {
	if name = sanitizeBase(name); name == "" {
		return "sans nom"
	}
	return name
}

// sanitizeFileName returns a file name safe to store and to offer for
// download: no folders, no control or reserved characters, no leading
// dot, at most maxFileNameRunes, with an extension that matches the
// sniffed type. An empty result becomes "piece-jointe-N.ext".
func sanitizeFileName(name string, n int, ctype string) string {
	base := sanitizeBase(name)
	want := extensionOf(ctype)
	ext := strings.ToLower(path.Ext(base))
	stem := strings.TrimSuffix(base, path.Ext(base))
	if want != "" && !matchesExtension(ext, want) {
		// A name whose extension lies about the content keeps its
		// stem, so that a PDF named photo.jpg is stored as photo.pdf.
		ext = want
	} else if ext != "" {
		ext = path.Ext(base)
	}
	if stem == "" {
		stem = fmt.Sprintf("piece-jointe-%d", n)
	}
	if r := []rune(stem); len(r)+utf8.RuneCountInString(ext) > maxFileNameRunes {
		stem = string(r[:maxFileNameRunes-utf8.RuneCountInString(ext)])
	}
	return stem + ext
}

// sanitizeBase keeps the last path element of name, without control
// characters, characters reserved in file names on common systems, or
// leading dots and spaces.
func sanitizeBase(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "_")
	}
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	return strings.TrimLeft(strings.TrimSpace(name), ". ")
}

// extensionOf returns the extension that a file of the media type must
// have, or "" when several fit.
func extensionOf(ctype string) string {
	switch ctype {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	}
	// Containers (zip holds .docx and .odt) and text (.txt, .csv) keep
	// the client's extension.
	return ""
}

func matchesExtension(ext, want string) bool {
	if ext == want {
		return true
	}
	return want == ".jpg" && ext == ".jpeg"
}
