package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// invalidKeysPrefix starts the message that mapstructure v2.4 returns
// for unknown keys when ErrorUnused is set. The keys follow, separated by
// ", ", so a key that itself contains ", " is reported as two.
const invalidKeysPrefix = "has invalid keys: "

// decode reads YAML data into a Config. It returns an error only for
// YAML that does not parse. Keys that are unknown or hold a value of the
// wrong type are returned as problems, and the rest of the file is still
// decoded.
func decode(data []byte) (*Config, problems, error) {
	v := viper.New()
	v.SetConfigType("yaml")
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, nil, err
	}
	raw := v.AllSettings()

	var p problems
	removeDashKeys(raw, "", &p)

	cfg := &Config{}
	err := decodeSettings(raw, cfg)
	if err == nil {
		return cfg, p, nil
	}
	var failed [][]pathStep
	addDecodeProblems(err, &p, &failed)

	// mapstructure leaves a list entry nil when any key inside it fails,
	// so the failing keys are removed and the file decoded again. That
	// keeps the valid part of the entry for validation.
	for _, steps := range failed {
		removeSetting(raw, steps)
	}
	cfg = &Config{}
	_ = decodeSettings(raw, cfg)
	return cfg, p, nil
}

// decodeSettings decodes the settings map into cfg. Values must have the
// field's type (a number is not turned into text, nor text into a
// number), durations are written like "60s", and unknown keys are errors.
func decodeSettings(raw map[string]any, cfg *Config) error {
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.ComposeDecodeHookFunc(durationHook, dateHook),
		ErrorUnused:      true,
		WeaklyTypedInput: false,
		Result:           cfg,
	})
	if err != nil {
		return err
	}
	return dec.Decode(raw)
}

// removeDashKeys reports and removes every key named "-". mapstructure
// would match such a key to the fields tagged "-" (the relay password
// and the loaded time zone), which the file must not set.
func removeDashKeys(value any, path string, p *problems) {
	switch v := value.(type) {
	case map[string]any:
		if _, ok := v["-"]; ok {
			p.add(joinPath(path, "-"), "%s", unknownKeyMessage("-"))
			delete(v, "-")
		}
		for key, inner := range v {
			removeDashKeys(inner, joinPath(path, key), p)
		}
	case []any:
		for i, inner := range v {
			removeDashKeys(inner, fmt.Sprintf("%s[%d]", path, i), p)
		}
	}
}

// removeSetting deletes the value at the end of steps. A list entry is
// set to nil so that the indexes of the entries after it do not change.
// A path that cannot be followed is left alone.
func removeSetting(raw map[string]any, steps []pathStep) {
	var parent any = raw
	for i, step := range steps {
		last := i == len(steps)-1
		switch node := parent.(type) {
		case map[string]any:
			if last {
				delete(node, step.key)
				return
			}
			parent = node[step.key]
		case []any:
			if step.index < 0 || step.index >= len(node) {
				return
			}
			if last {
				node[step.index] = nil
				return
			}
			parent = node[step.index]
		default:
			return
		}
	}
}

// pathStep is one map key, or one list index when key is empty.
type pathStep struct {
	key   string
	index int
}

// splitPath splits a path as mapstructure writes it, such as "a[0].b",
// into the steps a, 0 and b. It returns nil for a path it cannot split,
// which happens only when a key contains a dot or a bracket.
func splitPath(path string) []pathStep {
	if path == "" {
		return nil
	}
	var steps []pathStep
	for _, segment := range strings.Split(path, ".") {
		name, indexes, _ := strings.Cut(segment, "[")
		steps = append(steps, pathStep{key: name, index: -1})
		if indexes == "" {
			continue
		}
		for _, ix := range strings.Split(strings.TrimSuffix(indexes, "]"), "][") {
			n, err := strconv.Atoi(ix)
			if err != nil {
				return nil
			}
			steps = append(steps, pathStep{index: n})
		}
	}
	return steps
}

var durationType = reflect.TypeFor[time.Duration]()

// durationError is a value that does not parse as a time.Duration.
type durationError struct {
	value string
}

func (e *durationError) Error() string {
	return fmt.Sprintf("invalid duration %q; write it like 60s or 5m", e.value)
}

// dateHook turns a YAML timestamp back into text for a text field. The
// YAML reader turns an unquoted 2027-05-07 into a time.Time, while
// closure days are read as text and parsed by validation. A timestamp
// with a time of day keeps it, so that validation rejects it as a date.
func dateHook(from, to reflect.Type, data any) (any, error) {
	t, ok := data.(time.Time)
	if !ok || to.Kind() != reflect.String {
		return data, nil
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly), nil
	}
	return t.Format(time.RFC3339), nil
}

// durationHook parses durations written like "60s" or "5m". A bare
// number is rejected because it carries no unit.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	s, ok := data.(string)
	if !ok {
		return nil, &durationError{value: fmt.Sprint(data)}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil, &durationError{value: s}
	}
	return d, nil
}

// addDecodeProblems turns the tree of errors mapstructure returns into
// one problem per failing key, and appends the path of each failing key
// to failed.
func addDecodeProblems(err error, p *problems, failed *[][]pathStep) {
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		for _, inner := range e.Unwrap() {
			addDecodeProblems(inner, p, failed)
		}
	case *mapstructure.DecodeError:
		addDecodeError(e, p, failed)
	default:
		if inner := errors.Unwrap(err); inner != nil {
			addDecodeProblems(inner, p, failed)
			return
		}
		p.add("", "%v", err)
	}
}

func addDecodeError(de *mapstructure.DecodeError, p *problems, failed *[][]pathStep) {
	path := de.Name()
	inner := de.Unwrap()
	parent := splitPath(path)
	if path != "" && parent == nil {
		p.add(path, "%v", inner)
		return
	}

	var derr *durationError
	var terr *mapstructure.UnconvertibleTypeError
	switch {
	case errors.As(inner, &derr):
		p.add(path, "%s", derr.Error())
	case errors.As(inner, &terr):
		msg := fmt.Sprintf("expected %s, got %s",
			describeType(terr.Expected.Type()), describeValue(terr.Value))
		if terr.Expected.Kind() == reflect.String && isScalar(terr.Value) {
			msg += "; put the value in quotes to make it text"
		}
		p.add(path, "%s", msg)
	case strings.HasPrefix(inner.Error(), invalidKeysPrefix):
		keys := strings.TrimPrefix(inner.Error(), invalidKeysPrefix)
		for _, key := range strings.Split(keys, ", ") {
			p.add(joinPath(path, key), "%s", unknownKeyMessage(key))
			*failed = append(*failed, append(slices.Clip(parent), pathStep{key: key, index: -1}))
		}
		return
	case strings.HasPrefix(inner.Error(), "expected a map or struct"):
		p.add(path, "expected a mapping of keys (key: value lines), got %s",
			strings.TrimPrefix(inner.Error(), "expected a map or struct, got "))
	case strings.HasPrefix(inner.Error(), "source data must be an array or slice"):
		p.add(path, "expected a list (lines starting with \"- \"), got %s",
			strings.TrimPrefix(inner.Error(), "source data must be an array or slice, got "))
	default:
		p.add(path, "%v", inner)
	}
	if parent != nil {
		*failed = append(*failed, parent)
	}
}

func unknownKeyMessage(key string) string {
	if key == "password" {
		return "unknown key; put the password in a file named by password_file, " +
			"or in an environment variable named by password_env"
	}
	return "unknown key; check its spelling and its indentation, or remove it"
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// describeType names what a field of type t expects, in the terms of a
// YAML file.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a text value"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "a mapping of keys"
	}
	return t.String()
}

// describeValue names the kind of a decoded YAML value without printing
// it, since a misplaced value may be a secret.
func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case string:
		return "a text value"
	case bool:
		return "true or false"
	case int, int64, uint64:
		return "a number"
	case float64:
		return "a decimal number"
	case []any:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping of keys"
	}
	return fmt.Sprintf("a value of type %T", v)
}

func isScalar(v any) bool {
	switch v.(type) {
	case bool, int, int64, uint64, float64:
		return true
	}
	return false
}
