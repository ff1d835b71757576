package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
)

// Data is the value passed to every letter template, with dates and
// sizes formatted in French.
type Data struct {
	Ref    string // dossier reference, e.g. MAIRIE-2026-000042
	Tenant string // name of the collectivité
	// Subject is the subject of the request.
	Subject string

	// ReceivedAt is the date of receipt in the tenant's time zone, as
	// "le vendredi 4 décembre 2026 à 15 h 42"; ReceivedDate and
	// ReceivedTime are its two halves ("vendredi 4 décembre 2026",
	// "15 h 42"), and TimeZone names the zone ("heure de Paris").
	ReceivedAt   string
	ReceivedDate string
	ReceivedTime string
	TimeZone     string

	Service string // name of the service in charge

	// Requester is "Name <addr>", "addr", or "expéditeur inconnu";
	// RequesterName is the display name alone, possibly empty.
	Requester     string
	RequesterName string
	Recipients    []string // intake addresses that received the request
	Channel       string   // e.g. "courriel", "formulaire en ligne"
	ReplyAddress  string   // replies to this address join the dossier
	Warnings      []string // problems found while reading the request

	Attachments []Attachment
	Text        string // text of the request
}

// Attachment is one file received with a request, as a letter lists it.
type Attachment struct {
	Name   string // file name, or "(sans nom)"
	Size   string // e.g. "1,2 Mo"
	SHA256 string // hex
	// Inline is true for pictures shown inside the message body rather
	// than documents sent on purpose.
	Inline bool
}

// unknownRequester stands for a requester without an address.
const unknownRequester = "expéditeur inconnu"

// newData gathers the facts of a dossier for the templates.
func newData(t *config.Tenant, d *dossier.Dossier, svc *config.Service, loc *time.Location) *Data {
	received := d.ReceivedAt.In(loc)
	data := &Data{
		Ref:           d.Ref,
		Tenant:        t.Name,
		Subject:       d.Subject,
		ReceivedAt:    frenchDateTime(received),
		ReceivedDate:  frenchDate(received),
		ReceivedTime:  frenchTime(received),
		TimeZone:      timeZoneLabel(loc),
		Service:       serviceName(svc),
		Requester:     unknownRequester,
		RequesterName: d.Requester.Name,
		Recipients:    d.Recipients,
		Channel:       channelLabel(d.Channel),
		ReplyAddress:  d.ReplyAddress,
		Warnings:      d.Warnings,
	}
	if d.Requester.Addr != "" {
		data.Requester = d.Requester.String()
	}
	for _, a := range d.Attachments {
		data.Attachments = append(data.Attachments, Attachment{
			Name:   displayName(a.FileName),
			Size:   frenchSize(a.Size),
			SHA256: a.SHA256,
			Inline: a.Inline,
		})
	}
	return data
}

// serviceName returns the name of the service in charge, or a generic
// phrase when the dossier has none yet.
func serviceName(svc *config.Service) string {
	switch {
	case svc == nil:
		return "le service compétent"
	case svc.Name != "":
		return svc.Name
	}
	return svc.ID
}

func displayName(fileName string) string {
	if fileName == "" {
		return "(sans nom)"
	}
	return fileName
}

// tenantLocation returns the time zone in which the tenant's dates are
// written: Location when config loading set it, else TimeZone, else
// Europe/Paris.
func tenantLocation(t *config.Tenant) (*time.Location, error) {
	if t.Location != nil {
		return t.Location, nil
	}
	name := t.TimeZone
	if name == "" {
		name = "Europe/Paris"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("tenant %s: time zone %q: %w", t.ID, name, err)
	}
	return loc, nil
}

// tenantFrom parses the tenant's From address.
func tenantFrom(t *config.Tenant) (dossier.Address, error) {
	a, err := mail.ParseAddress(t.From)
	if err != nil {
		return dossier.Address{}, fmt.Errorf("tenant %s: invalid from address %q: %w", t.ID, t.From, err)
	}
	return dossier.Address{Name: a.Name, Addr: a.Address}, nil
}

// parseMailbox parses a service mailbox, "addr" or "Name <addr>".
func parseMailbox(svc *config.Service) (dossier.Address, error) {
	a, err := mail.ParseAddress(svc.Mailbox)
	if err != nil {
		return dossier.Address{}, fmt.Errorf("service %s: invalid mailbox %q: %w", svc.ID, svc.Mailbox, err)
	}
	return dossier.Address{Name: a.Name, Addr: a.Address}, nil
}

// partAttachment describes a part of the request for the forward's list.
func partAttachment(p message.Part, inline bool) Attachment {
	sum := p.SHA256
	if sum == "" {
		h := sha256.Sum256(p.Content)
		sum = hex.EncodeToString(h[:])
	}
	return Attachment{
		Name:   displayName(p.FileName),
		Size:   frenchSize(int64(len(p.Content))),
		SHA256: sum,
		Inline: inline,
	}
}

// partName returns the file name under which a part is re-attached,
// inventing one from its position and type when it has none.
func partName(p message.Part, inline bool, n int) string {
	if p.FileName != "" {
		return p.FileName
	}
	base := "piece-jointe-"
	if inline {
		base = "image-integree-"
	}
	return base + strconv.Itoa(n) + extension(p.ContentType)
}

// extension returns a file name extension for common media types.
func extension(contentType string) string {
	switch mediaType(contentType) {
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "message/rfc822":
		return ".eml"
	}
	return ".bin"
}
