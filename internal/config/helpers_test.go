package config

import (
	"errors"
	"testing"

	"go.yaml.in/yaml/v3"
)

// baseYAML is a valid configuration with two tenants: one with a reply
// domain, one with sub-addresses and "-" as separator.
const baseYAML = `
collectivites:
  - id: saint-exemple
    name: Commune de Saint-Exemple
    prefix: SAINTEX
    intake:
      - address: contact@mairie-saint-exemple.fr
        service: accueil
      - address: urbanisme@mairie-saint-exemple.fr
        service: urbanisme
    from: Mairie de Saint-Exemple <contact@mairie-saint-exemple.fr>
    reply:
      domain: reponse.mairie-saint-exemple.fr
    staff: ["@mairie-saint-exemple.fr", "agent@prestataire.example"]
    services:
      - {id: accueil, name: Accueil, mailbox: accueil@mairie-saint-exemple.fr}
      - {id: etat-civil, name: État civil, mailbox: etat-civil@mairie-saint-exemple.fr}
      - {id: urbanisme, name: Urbanisme, mailbox: service.urbanisme@mairie-saint-exemple.fr}
    natures:
      - {id: info, label: Demande d'information, service: accueil, regime: aucun}
      - {id: acte, label: Acte d'état civil, service: etat-civil, regime: rejet}
      - {id: cu, label: Certificat d'urbanisme, service: urbanisme, regime: accord, delai: 1m}
  - id: autre-ville
    name: Commune d'Autre-Ville
    prefix: AUTRE
    time_zone: America/Cayenne
    intake:
      - address: contact@autre-ville.example
      - address: mairie@bücher.example
    from: contact@autre-ville.example
    reply:
      sub_address: contact@autre-ville.example
      separator: "-"
    default_service: secretariat
    services:
      - {id: accueil, name: Accueil, mailbox: accueil@autre-ville.example}
      - {id: secretariat, name: Secrétariat, mailbox: secretariat@autre-ville.example}
`

// baseMap returns baseYAML as a fresh map that a test may change.
func baseMap(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(baseYAML), &m); err != nil {
		t.Fatalf("base YAML: %v", err)
	}
	return m
}

func marshal(t *testing.T, m map[string]any) []byte {
	t.Helper()
	data, err := yaml.Marshal(m)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return data
}

// lookup returns the container holding the last step of path, and that
// step.
func lookup(t *testing.T, m map[string]any, path string) (any, pathStep) {
	t.Helper()
	steps := splitPath(path)
	if steps == nil {
		t.Fatalf("bad test path %q", path)
	}
	var node any = m
	for _, step := range steps[:len(steps)-1] {
		switch n := node.(type) {
		case map[string]any:
			node = n[step.key]
		case []any:
			node = n[step.index]
		default:
			t.Fatalf("path %q: cannot enter %T", path, node)
		}
	}
	return node, steps[len(steps)-1]
}

// set sets the value at path, such as "collectivites[0].smtp.listen".
func set(t *testing.T, m map[string]any, path string, value any) {
	t.Helper()
	node, last := lookup(t, m, path)
	switch n := node.(type) {
	case map[string]any:
		n[last.key] = value
	case []any:
		n[last.index] = value
	default:
		t.Fatalf("path %q: cannot set in %T", path, node)
	}
}

// del deletes the map key at path.
func del(t *testing.T, m map[string]any, path string) {
	t.Helper()
	node, last := lookup(t, m, path)
	n, ok := node.(map[string]any)
	if !ok {
		t.Fatalf("path %q: not a map key", path)
	}
	delete(n, last.key)
}

// add appends value to the list at path.
func add(t *testing.T, m map[string]any, path string, value any) {
	t.Helper()
	node, last := lookup(t, m, path)
	n, ok := node.(map[string]any)
	if !ok {
		t.Fatalf("path %q: not a map key", path)
	}
	list, _ := n[last.key].([]any)
	n[last.key] = append(list, value)
}

// mustParse parses data and fails the test on any error.
func mustParse(t *testing.T, data string) *Config {
	t.Helper()
	cfg, err := Parse([]byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return cfg
}

// fieldErrors returns the problems of a *ValidationError, failing the
// test for any other error.
func fieldErrors(t *testing.T, err error) []FieldError {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("error = %v (%T), want *ValidationError", err, err)
	}
	return verr.Errors
}
