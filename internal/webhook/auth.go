package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a signed submission.
const (
	headerTimestamp   = "X-Sved-Timestamp" // Unix time in seconds
	headerSignature   = "X-Sved-Signature" // "sha256=" and the hex HMAC
	headerIdempotency = "Idempotency-Key"
	signaturePrefix   = "sha256="
)

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// signedContent returns what an hmac form's client signs: the
// timestamp, the Idempotency-Key (empty when absent) and the body,
// joined by dots. Signing the key stops a replay with a new key from
// making a second dossier.
func signedContent(timestamp, idempotencyKey string, body []byte) []byte {
	b := make([]byte, 0, len(timestamp)+len(idempotencyKey)+2+len(body))
	b = append(b, timestamp...)
	b = append(b, '.')
	b = append(b, idempotencyKey...)
	b = append(b, '.')
	return append(b, body...)
}

// sign returns the hex HMAC-SHA256 of content with secret.
func sign(secret string, content []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(content)
	return hex.EncodeToString(mac.Sum(nil))
}

// verifySignature checks the signature headers of r against body and
// returns the signature, which identifies the request. A timestamp
// further than maxSkew from now, in either direction, is rejected, so
// a captured request can be replayed only within that window, where
// its signature, used as deduplication key, returns the first dossier.
func verifySignature(r *http.Request, body []byte, secret string, maxSkew time.Duration, now time.Time) (string, *problem) {
	ts := r.Header.Get(headerTimestamp)
	sig, ok := strings.CutPrefix(r.Header.Get(headerSignature), signaturePrefix)
	if ts == "" || !ok {
		return "", unauthorized("En-têtes " + headerTimestamp + " et " + headerSignature +
			" (sha256=HEX) attendus.")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", unauthorized(headerTimestamp + " doit être un temps Unix en secondes.")
	}
	skew := now.Sub(time.Unix(secs, 0))
	if skew > maxSkew || skew < -maxSkew {
		return "", unauthorized(headerTimestamp + " trop éloigné de l'heure du serveur (plus de " +
			maxSkew.String() + ") ; requête ancienne ou horloge déréglée.")
	}
	want := sign(secret, signedContent(ts, r.Header.Get(headerIdempotency), body))
	if !hmac.Equal([]byte(strings.ToLower(sig)), []byte(want)) {
		return "", unauthorized("La signature ne correspond pas au contenu.")
	}
	return want, nil
}

// idempotencyKey returns the Idempotency-Key header after checking that
// it is printable ASCII of bounded length.
func idempotencyKey(r *http.Request) (string, *problem) {
	key := r.Header.Get(headerIdempotency)
	if len(key) > maxIdempotencyKey {
		return "", invalid(fieldError{headerIdempotency,
			"Clé trop longue : " + strconv.Itoa(maxIdempotencyKey) + " caractères au plus."})
	}
	for i := range len(key) {
		if key[i] < 0x21 || key[i] > 0x7e {
			return "", invalid(fieldError{headerIdempotency,
				"Caractères ASCII visibles uniquement, sans espace."})
		}
	}
	return key, nil
}
