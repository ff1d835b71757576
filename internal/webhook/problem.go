package webhook

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// fieldError is one invalid field of a submission. Field is the name
// the client sent, or the header name for a header; Detail is French
// because the form pages show it to the public.
type fieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// problem is an error sent as an RFC 9457 problem detail. Every
// failure of a request becomes one, so that the status codes are
// chosen here and nowhere else.
type problem struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail,omitempty"`
	Errors []fieldError `json:"errors,omitempty"` // for 400: every invalid field
	// retryAfter is sent as the Retry-After header when set.
	retryAfter time.Duration
}

func (p *problem) Error() string {
	if p.Detail != "" {
		return p.Title + ": " + p.Detail
	}
	return p.Title
}

func invalid(errs ...fieldError) *problem {
	return &problem{
		Status: http.StatusBadRequest,
		Title:  "Demande invalide",
		Detail: "Un ou plusieurs champs sont à corriger.",
		Errors: errs,
	}
}

func notFound() *problem {
	return &problem{Status: http.StatusNotFound, Title: "Formulaire inconnu",
		Detail: "Aucun formulaire ne porte ce nom."}
}

func unauthorized(detail string) *problem {
	return &problem{Status: http.StatusUnauthorized, Title: "Signature invalide", Detail: detail}
}

func forbidden(detail string) *problem {
	return &problem{Status: http.StatusForbidden, Title: "Origine refusée", Detail: detail}
}

func tooLarge(detail string) *problem {
	return &problem{Status: http.StatusRequestEntityTooLarge, Title: "Envoi trop volumineux", Detail: detail}
}

func unsupported(detail string) *problem {
	return &problem{Status: http.StatusUnsupportedMediaType, Title: "Type de contenu non pris en charge",
		Detail: detail}
}

func tooMany(retry time.Duration) *problem {
	return &problem{Status: http.StatusTooManyRequests, Title: "Trop d'envois",
		Detail: "Trop d'envois depuis votre adresse ; réessayez plus tard.", retryAfter: retry}
}

// unavailable is the response to a storage failure: the submission was
// not stored and the client should send it again.
func unavailable() *problem {
	return &problem{Status: http.StatusServiceUnavailable, Title: "Service indisponible",
		Detail:     "Votre demande n'a pas pu être enregistrée ; renvoyez-la dans quelques minutes.",
		retryAfter: time.Minute}
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, p *problem) {
	setRetryAfter(w, p.retryAfter)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// setRetryAfter sets Retry-After in whole seconds, rounded up.
func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		return
	}
	secs := int64((d + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}
