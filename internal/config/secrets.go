package config

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// maxSecretFileBytes bounds a password file, which contains one line.
const maxSecretFileBytes = 4096

// readSecrets fills Outbound.Password and the password of every polled
// mailbox from password_file, without the surrounding white space, or
// from the environment variable named by password_env, and the secrets
// of hmac forms likewise. Problems name the file or the variable, never
// the secret.
func (c *Config) readSecrets(p *problems) {
	c.readFormSecrets(p)
	o := &c.Outbound
	if password, ok := readPassword(p, "outbound", o.PasswordFile, o.PasswordEnv); ok {
		o.Password = password
	}
	c.readMailboxSecrets(p)
}

// readPassword reads the password named by file or env, the keys
// password_file and password_env under path. It reports false when
// neither is set or the password cannot be read.
func readPassword(p *problems, path, file, env string) (string, bool) {
	switch {
	case file != "" && env != "":
		p.add(path+".password_env", "set only one of password_file and password_env")
	case file != "":
		password, err := readSecretFile(file)
		if err != nil {
			p.add(path+".password_file", "%v", err)
			return "", false
		}
		return password, true
	case env != "":
		// The variable is used as is. Only a file gets its final newline
		// trimmed.
		password := os.Getenv(env)
		if strings.TrimSpace(password) == "" {
			p.add(path+".password_env",
				"environment variable %s is empty or unset; export it before starting sved", env)
			return "", false
		}
		return password, true
	}
	return "", false
}

// readSecretFile returns the content of a password file without the
// surrounding white space. It reads only regular files, so that a device
// or a named pipe can neither block nor fill memory.
func readSecretFile(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("cannot read password file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("password file %s is not a regular file", path)
	}

	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read password file: %w", err)
	}
	defer f.Close()

	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read password file %s: %w", path, err)
	}
	if len(data) > maxSecretFileBytes {
		return "", fmt.Errorf("password file %s is larger than %d bytes; it must contain only the password",
			path, maxSecretFileBytes)
	}
	password := strings.TrimSpace(string(data))
	if password == "" {
		return "", fmt.Errorf("password file %s is empty", path)
	}
	return password, nil
}
