package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"
)

// A form token is the value of the hidden _token field of a served
// page: "UNIX.NONCE.MAC", where UNIX is when the page was served, NONCE
// 16 random bytes in hex and MAC the HMAC-SHA256 of the form id, UNIX
// and NONCE with the server's token key. It proves the time the page
// was served, for the minimum fill time, and its nonce identifies the
// submission, so that the same page posted twice gives one dossier.
const (
	tokenKeyBytes = 32
	// tokenMaxAge bounds how long a served page may stay open. After it
	// the page is served again with a new token.
	tokenMaxAge = 24 * time.Hour
)

// TokenKeyFile is the name of the file, in the data folder, that holds
// the key of the form tokens, so that pages served before a restart
// can still be posted after it.
const TokenKeyFile = "form-token.key"

// LoadTokenKey reads the token key from path, creating the file with a
// new random key (mode 0600) when it does not exist.
func LoadTokenKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) != tokenKeyBytes {
			return nil, fmt.Errorf("invalid token key %s: %d bytes instead of %d; remove the file to make a new key",
				path, len(key), tokenKeyBytes)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read token key: %w", err)
	}
	key = make([]byte, tokenKeyBytes)
	_, _ = rand.Read(key)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create token key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("write token key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write token key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write token key %s: %w", path, err)
	}
	return key, nil
}

// issueToken returns a new form token for the form, served at now.
func issueToken(key []byte, formID string, now time.Time) string {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	payload := strconv.FormatInt(now.Unix(), 10) + "." + hex.EncodeToString(nonce[:])
	return payload + "." + tokenMAC(key, formID, payload)
}

func tokenMAC(key []byte, formID, payload string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(formID + "." + payload))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// errTokenExpired is a valid token older than tokenMaxAge.
var errTokenExpired = errors.New("form token expired")

// verifyToken checks a token of the form and returns the instant its
// page was served and its nonce.
func verifyToken(key []byte, formID, token string, now time.Time) (time.Time, string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, "", errors.New("malformed form token")
	}
	payload := parts[0] + "." + parts[1]
	if !hmac.Equal([]byte(parts[2]), []byte(tokenMAC(key, formID, payload))) {
		return time.Time{}, "", errors.New("form token has a wrong MAC")
	}
	secs, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return time.Time{}, "", errors.New("malformed form token")
	}
	served := time.Unix(secs, 0)
	if now.Sub(served) > tokenMaxAge {
		return served, parts[1], errTokenExpired
	}
	return served, parts[1], nil
}
