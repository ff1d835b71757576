package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secret = "correct-horse-battery-staple"

func TestPasswordFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "relay-password")
	if err := os.WriteFile(path, []byte("  "+secret+"\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := mustParse(t, baseYAML+relayYAML("password_file: "+path))
	if cfg.Outbound.Password != secret {
		t.Errorf("Password = %q, want the trimmed file content", cfg.Outbound.Password)
	}
	checkSecretHidden(t, cfg)
}

func TestPasswordFromEnv(t *testing.T) {
	t.Setenv("SVED_TEST_RELAY_PASSWORD", secret)
	cfg := mustParse(t, baseYAML+relayYAML("password_env: SVED_TEST_RELAY_PASSWORD"))
	if cfg.Outbound.Password != secret {
		t.Errorf("Password = %q, want the variable's value", cfg.Outbound.Password)
	}
	checkSecretHidden(t, cfg)
}

func TestPasswordFileRejected(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	large := filepath.Join(dir, "large")
	if err := os.WriteFile(empty, []byte(" \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, []byte(strings.Repeat(secret, 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		msg  string
	}{
		{empty, "is empty"},
		{large, "larger than 4096 bytes"},
		{"/dev/zero", "not a regular file"},
	}
	for _, tc := range tests {
		_, err := Parse([]byte(baseYAML + relayYAML("password_file: "+tc.path)))
		problems := fieldErrors(t, err)
		if len(problems) != 1 || problems[0].Path != "outbound.password_file" {
			t.Fatalf("%s: problems = %v", tc.path, problems)
		}
		if !strings.Contains(problems[0].Message, tc.msg) || !strings.Contains(problems[0].Message, tc.path) {
			t.Errorf("%s: message %q lacks %q or the file name", tc.path, problems[0].Message, tc.msg)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error contains the file content", tc.path)
		}
	}
}

// TestSecretNotInValidationError checks that a config that reads its
// password and then fails validation does not show the password.
func TestSecretNotInValidationError(t *testing.T) {
	t.Setenv("SVED_TEST_RELAY_PASSWORD", secret)
	data := baseYAML + relayYAML("password_env: SVED_TEST_RELAY_PASSWORD") + "  starttls: yes-please\n"
	_, err := Parse([]byte(data))
	problems := fieldErrors(t, err)
	if len(problems) != 1 || problems[0].Path != "outbound.starttls" {
		t.Fatalf("problems = %v", problems)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error shows the password: %v", err)
	}
}

func relayYAML(passwordLine string) string {
	return "outbound:\n  transport: smtp://127.0.0.1:2525\n  username: sved\n  " + passwordLine + "\n"
}

// checkSecretHidden checks that the usual ways of printing a config do
// not show the password.
func checkSecretHidden(t *testing.T, cfg *Config) {
	t.Helper()
	outputs := map[string]string{
		"%v":           fmt.Sprintf("%v", *cfg),
		"%+v":          fmt.Sprintf("%+v", *cfg),
		"%#v":          fmt.Sprintf("%#v", *cfg),
		"%+v outbound": fmt.Sprintf("%+v", cfg.Outbound),
		"%#v outbound": fmt.Sprintf("%#v", cfg.Outbound),
		"String":       cfg.Outbound.String(),
		"%v ptr":       fmt.Sprintf("%v", &cfg.Outbound),
		"Validate":     fmt.Sprint(cfg.Validate()),
	}
	for name, out := range outputs {
		if strings.Contains(out, secret) {
			t.Errorf("%s output shows the password: %s", name, out)
		}
	}
	if !strings.Contains(cfg.Outbound.String(), "password=set") {
		t.Errorf("String() = %q, want it to say a password is set", cfg.Outbound.String())
	}
}
