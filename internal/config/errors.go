package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem in the configuration, tied to the key that
// causes it.
type FieldError struct {
	// Path locates the key in the file, for example
	// "collectivites[0].natures[2].service".
	Path string
	// Message states the problem and how to fix it.
	Message string
}

// Error formats the problem as "path: message".
func (e FieldError) Error() string {
	if e.Path == "" {
		return e.Message
	}
	return e.Path + ": " + e.Message
}

// ValidationError lists every problem found in one configuration. Load
// and Validate return it so that an administrator can fix the whole file
// in one pass.
type ValidationError struct {
	File   string // the file as given to Load, empty for Parse and Validate
	Errors []FieldError
}

// Error lists every problem, one per line, each prefixed with the file
// name when it is known.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.File != "" {
			b.WriteString(e.File)
			b.WriteString(": ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

// problems collects field errors in the order they are found.
type problems []FieldError

func (p *problems) add(path, format string, args ...any) {
	*p = append(*p, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when no problem was found, else a *ValidationError.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Errors: p}
}
