package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
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
	// Signature is the name that signs the letters: the display name of
	// the tenant's From address, else the tenant's name.
	Signature string
	// Subject is the subject of the request, or of the follow-up
	// message in a follow-up letter.
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

	// AREDue is the last day to send the accusé de réception, as
	// "vendredi 18 décembre 2026", or "" when the dossier has no such
	// date.
	AREDue string

	// Requester is "Name <addr>", "addr", or "expéditeur inconnu".
	// RequesterName is the display name when it is a person's name, and
	// is empty when the name is missing or contains "@", since forged
	// senders put an address there. RequesterAddr is empty when the
	// requester is unknown.
	Requester     string
	RequesterName string
	RequesterAddr string
	Recipients    []string // intake addresses that received the request
	Channel       string   // e.g. "courriel", "formulaire en ligne"
	ReplyAddress  string   // replies to this address join the dossier

	// AckSent is true when the requester was sent an AEE. AckReason is
	// the French reason no AEE was sent, empty when one was. Only the
	// forward sets them.
	AckSent   bool
	AckReason string

	// WarningCount is the number of problems found while reading the
	// message. The problems themselves are English parser notes and
	// are not given to templates.
	WarningCount int

	Attachments []Attachment
	Text        string // text of the request

	// Deadline is the due date an alert is about; nil in other letters.
	Deadline *Deadline
	// Decision is the implicit decision of the dossier in the letters
	// that state it. It is nil when the dossier has no regime that
	// leads to one.
	Decision *Decision
	// Today is the date the letter is written, as "vendredi 4 décembre
	// 2026", in the attestation.
	Today string

	// ServicePhone, ServicePostal and ServiceEmail are the contact
	// details of the service in the ARE; ServiceEmail is the dossier's
	// reply address, which reaches the service through sved.
	ServicePhone  string
	ServicePostal string
	ServiceEmail  string

	// Message is the text staff wrote to the requester, without the
	// quoted history, in the letters that carry one; else "".
	Message string
	// Reason is the reason of a refusal or of a transfer.
	Reason string
	// Pieces is the request for missing pieces that the letter states,
	// or nil.
	Pieces *PiecesData
	// Authority is the address a dossier was transferred to.
	Authority string
	// Problems and Help are the staff error reply's list of what was
	// wrong and its list of commands.
	Problems []string
	Help     string
	// Sender is the author of the message that a letter reports.
	Sender string
	// PiecesAnswered is true in a follow-up that ended a wait for
	// requested pieces.
	PiecesAnswered bool

	// MissingIdentification names, in French ("votre adresse postale"),
	// the identification fields that a web-form requester left empty
	// although their requester type calls for them. Empty for mail.
	MissingIdentification []string
}

// PiecesData describes a request for missing pieces.
type PiecesData struct {
	Items []string
	Delai string // "15 jours"
	// Due is the last day of the délai, "mardi 19 janvier 2027".
	Due string
	// Effect is the regime whose rule the request applies to the
	// implicit decision. Under "accord" the délai starts only when the
	// pieces arrive, under "rejet" it is suspended until then, for the
	// granted délai at most, and "" means no decision.
	Effect string
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

// newData gathers the facts of a dossier for the templates. from is the
// tenant's parsed From address.
func newData(t *config.Tenant, d *dossier.Dossier, svc *config.Service, from dossier.Address,
	loc *time.Location) *Data {
	data := &Data{
		Ref:          d.Ref,
		Tenant:       t.Name,
		Signature:    tenantLabel(t, from),
		Subject:      d.Subject,
		Service:      serviceName(svc),
		Recipients:   d.Recipients,
		Channel:      channelLabel(d.Channel),
		ReplyAddress: d.ReplyAddress,
		WarningCount: len(d.Warnings),

		MissingIdentification: missingIdentification(d.Identification.Missing),
	}
	data.setReceived(d.ReceivedAt, loc)
	if !d.AREDue.IsZero() {
		data.AREDue = frenchCivilDate(d.AREDue)
	}
	data.setRequester(d.Requester)
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

// setReceived fills the date fields with at in loc.
func (data *Data) setReceived(at time.Time, loc *time.Location) {
	at = at.In(loc)
	data.ReceivedAt = frenchDateTime(at)
	data.ReceivedDate = frenchDate(at)
	data.ReceivedTime = frenchTime(at)
	data.TimeZone = timeZoneLabel(loc)
}

// setRequester fills the requester fields with a.
func (data *Data) setRequester(a dossier.Address) {
	data.Requester = unknownRequester
	data.RequesterName = ""
	data.RequesterAddr = a.Addr
	if a.Addr != "" {
		data.Requester = a.String()
		data.RequesterName = personName(a.Name)
	}
}

// personName returns name trimmed, or "" when it is empty or contains
// "@": such a display name is an address, often not the sender's own.
func personName(name string) string {
	name = strings.TrimSpace(name)
	if strings.Contains(name, "@") {
		return ""
	}
	return name
}

// senderLabel names the author of a message in a display name: the
// person's name when there is one, else the address.
func senderLabel(a dossier.Address) string {
	if name := personName(a.Name); name != "" {
		return name
	}
	return a.Addr
}

// tenantLabel names the tenant in signatures and display names: the
// display name of its From address, else its configured name.
func tenantLabel(t *config.Tenant, from dossier.Address) string {
	if name := strings.TrimSpace(from.Name); name != "" {
		return name
	}
	return t.Name
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

// tenantSender returns the tenant's parsed From address and the zone its
// dates are written in.
func tenantSender(t *config.Tenant) (dossier.Address, *time.Location, error) {
	from, err := tenantFrom(t)
	if err != nil {
		return dossier.Address{}, nil, err
	}
	loc, err := tenantLocation(t)
	if err != nil {
		return dossier.Address{}, nil, err
	}
	return from, loc, nil
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
