package config

import (
	"time"

	"github.com/sved-project/sved/internal/deadline"
)

// Config is the whole configuration file after defaults and validation.
type Config struct {
	// DataDir contains the bbolt file and, with the default transport,
	// the outbox folder.
	DataDir  string `mapstructure:"data_dir"`
	Hostname string `mapstructure:"hostname"` // announced in SMTP and used in Message-IDs

	SMTP      SMTP      `mapstructure:"smtp"`
	Outbound  Outbound  `mapstructure:"outbound"`
	Scheduler Scheduler `mapstructure:"scheduler"`
	HTTP      HTTP      `mapstructure:"http"` // web-form intake, off unless listen is set

	Tenants []*Tenant `mapstructure:"collectivites"`
}

// SMTP configures the inbound SMTP listener.
type SMTP struct {
	Listen          string        `mapstructure:"listen"`            // default 127.0.0.1:2525
	MaxMessageBytes int64         `mapstructure:"max_message_bytes"` // default 25 MiB
	MaxRecipients   int           `mapstructure:"max_recipients"`    // default 50
	MaxLineLength   int           `mapstructure:"max_line_length"`   // default 16000 octets
	ReadTimeout     time.Duration `mapstructure:"read_timeout"`      // default 60s
	WriteTimeout    time.Duration `mapstructure:"write_timeout"`     // default 60s
	MaxConnections  int           `mapstructure:"max_connections"`   // default 200
	// MaxConnectionsPerIP bounds the connections of one client address,
	// so that one client cannot take every slot. Default 20.
	MaxConnectionsPerIP int `mapstructure:"max_connections_per_ip"`
	// SessionTimeout closes a connection that has lasted this long,
	// whatever it does, so that a client sending one byte at a time
	// cannot hold a slot forever. Default 10m.
	SessionTimeout time.Duration `mapstructure:"session_timeout"`
	// MaxInflightBytes bounds the message bytes held in memory by all
	// sessions together; beyond it a message gets 451 4.3.1 and is
	// retried by its sender. Default: twice max_message_bytes.
	MaxInflightBytes int64  `mapstructure:"max_inflight_bytes"`
	TLSCert          string `mapstructure:"tls_cert"` // PEM file; STARTTLS is offered when set
	TLSKey           string `mapstructure:"tls_key"`
}

// Outbound configures how queued mail leaves sved.
type Outbound struct {
	// Transport is "dir:PATH" (write .eml files, the default
	// dir:<data_dir>/outbox) or "smtp://host:port" (a relay).
	Transport string `mapstructure:"transport"`
	// StartTLS is "none", "opportunistic" (default) or "required" for
	// the smtp:// transport.
	StartTLS      string `mapstructure:"starttls"`
	TLSSkipVerify bool   `mapstructure:"tls_skip_verify"`
	// CAFile is a PEM file of the certificate authorities that sign the
	// relay's certificate, in place of the system roots.
	CAFile   string `mapstructure:"ca_file"`
	Username string `mapstructure:"username"`
	// PasswordFile or PasswordEnv names where the relay password is read
	// from. The password itself never appears in the file.
	PasswordFile string `mapstructure:"password_file"`
	PasswordEnv  string `mapstructure:"password_env"`
	// Password is filled by Load from PasswordFile or PasswordEnv.
	Password string `mapstructure:"-"`

	RetryInterval time.Duration `mapstructure:"retry_interval"` // default 5m
	MaxAttempts   int           `mapstructure:"max_attempts"`   // default 20, then failed
	Timeout       time.Duration `mapstructure:"timeout"`        // per delivery, default 60s
}

// Tenant is one collectivité (a commune or an intercommunalité).
type Tenant struct {
	ID       string `mapstructure:"id"`
	Name     string `mapstructure:"name"`
	TimeZone string `mapstructure:"time_zone"` // IANA name, default Europe/Paris
	// Location is TimeZone loaded by Load.
	Location *time.Location `mapstructure:"-"`
	Prefix   string         `mapstructure:"prefix"` // reference prefix, e.g. "MAIRIE"

	Intake []*IntakeAddress `mapstructure:"intake"`
	// From is the address sved writes as, e.g. "Mairie de Exemple
	// <contact@mairie-exemple.fr>".
	From  string `mapstructure:"from"`
	Reply Reply  `mapstructure:"reply"`
	// Staff lists staff addresses ("agent@mairie.fr") or whole domains
	// ("@mairie.fr").
	Staff []string `mapstructure:"staff"`

	// RequesterFromReplyTo takes the requester from Reply-To instead of
	// From when Reply-To is present.
	RequesterFromReplyTo bool `mapstructure:"requester_from_reply_to"`
	// DefaultService receives requests whose intake address names none.
	DefaultService string `mapstructure:"default_service"`
	// AckLimitPerDay caps the AEEs sent to one address in 24 hours, as
	// RFC 3834 asks of automatic responders. Default 10.
	AckLimitPerDay int `mapstructure:"ack_limit_per_day"`

	Services []*Service `mapstructure:"services"`
	Natures  []*Nature  `mapstructure:"natures"`
	Forms    []*Form    `mapstructure:"forms"` // web forms; see form.go
	// Mailboxes are existing IMAP mailboxes that sved polls, for
	// addresses whose MX it does not receive.
	Mailboxes []*Mailbox `mapstructure:"mailboxes"`

	// CalendarOptions sets the holidays and closure days that the due
	// dates skip; Calendar returns the calendar built from them.
	CalendarOptions CalendarConfig `mapstructure:"calendar"`
	calendar        *deadline.Calendar

	// Alerts sets when the services are warned of a coming due date,
	// and Digest when they get their daily summary.
	Alerts Alerts `mapstructure:"alerts"`
	Digest Digest `mapstructure:"digest"`

	// Templates is a folder of letter templates that replace the
	// embedded ones of the same name for this tenant, or "".
	Templates string `mapstructure:"templates"`
	// TrustedAuthServIDs are the authserv-ids of the servers whose
	// Authentication-Results headers sved believes: the MTA that
	// receives the tenant's mail before sved. A staff reply whose From
	// fails SPF or DKIM there is not treated as staff.
	TrustedAuthServIDs []string `mapstructure:"trusted_authserv_ids"`
}

// IntakeAddress is a public address of the tenant that feeds sved.
type IntakeAddress struct {
	Address string `mapstructure:"address"`
	Service string `mapstructure:"service"` // optional; else the tenant's default
	// Nature is the id of the nature that dossiers received at this
	// address get, or "" to leave them to be qualified by staff.
	Nature string `mapstructure:"nature"`
}

// Reply describes how reply-token addresses are formed. Exactly one of Domain
// and SubAddress is set.
type Reply struct {
	// Domain gives addresses TOKEN@Domain.
	Domain string `mapstructure:"domain"`
	// SubAddress gives addresses LOCAL+TOKEN@DOMAIN from "LOCAL@DOMAIN".
	SubAddress string `mapstructure:"sub_address"`
	Separator  string `mapstructure:"separator"` // default "+"
}

// Service is a department of the tenant that handles dossiers.
type Service struct {
	ID      string `mapstructure:"id"`
	Name    string `mapstructure:"name"`
	Mailbox string `mapstructure:"mailbox"` // receives the forwards
	Phone   string `mapstructure:"phone"`
	Postal  string `mapstructure:"postal_address"`
	Head    string `mapstructure:"head"` // head of service
}

// Regime is the implicit-decision regime of a nature of request.
type Regime string

const (
	RegimeAccord Regime = "accord" // silence vaut accord
	RegimeRejet  Regime = "rejet"  // silence vaut rejet
	RegimeAucun  Regime = "aucun"  // no implicit decision (information)
)

// Nature is a kind of request, which fixes its service, regime and délai.
type Nature struct {
	ID      string `mapstructure:"id"`
	Label   string `mapstructure:"label"`
	Service string `mapstructure:"service"`
	Regime  Regime `mapstructure:"regime"`
	// Delai is the implicit-decision délai, e.g. "2m" (months), "1m",
	// "15d" (days). Default "2m".
	Delai string `mapstructure:"delai"`
	// delai is Delai parsed by Validate.
	delai deadline.Delai
	// CADA marks a request to see administrative documents: before any
	// court, a refusal must go to the Commission d'accès aux documents
	// administratifs within two months (CRPA L342-1, R343-1). The
	// letters then state that route instead of the usual voies de
	// recours.
	CADA bool `mapstructure:"cada"`
}

// ParsedDelai returns the nature's délai as Validate parsed it, or the
// zero (invalid) Delai for a nature that did not pass validation.
func (n *Nature) ParsedDelai() deadline.Delai {
	return n.delai
}
