package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/sved-project/sved/internal/config"
	"github.com/sved-project/sved/internal/dossier"
	"github.com/sved-project/sved/internal/message"
	"github.com/sved-project/sved/internal/notify"
	"github.com/sved-project/sved/internal/store"
)

// Envelope is one item as a channel received it.
type Envelope struct {
	Channel dossier.Channel
	Remote  string // client address, for the record
	// From is the envelope sender (SMTP MAIL FROM); "" is the null sender.
	From       string
	Recipients []string
	Raw        []byte
	// Cursor, when set, moves the cursor of the IMAP mailbox the item
	// was read from, in the transaction that stores a new dossier. An
	// item added to an existing dossier through its reply address does
	// not move it.
	Cursor *store.CursorMark
}

// Result says what became of an item for one tenant.
type Result struct {
	Tenant  string
	Ref     string
	State   dossier.State
	Created bool // false when the item was already stored (a duplicate)
	// Added is true when the item joined an existing dossier through its
	// reply-token address.
	Added bool
}

// Pipeline turns items into stored dossiers and queued mails.
type Pipeline struct {
	config   func() *config.Config
	store    *store.Store
	renderer *notify.Renderer
	log      *slog.Logger
	now      func() time.Time
	acks     *ackLimiter
	// parseSlots bounds the messages parsed at once. Parsing is CPU-bound
	// and takes several times a message's size in memory, so more
	// parallel parses than processors only add memory.
	parseSlots chan struct{}
}

// New returns a pipeline. cfg is called once per item, so a reloaded
// configuration applies to the next item.
func New(cfg func() *config.Config, st *store.Store, r *notify.Renderer, log *slog.Logger) *Pipeline {
	return &Pipeline{
		config:     cfg,
		store:      st,
		renderer:   r,
		log:        log,
		now:        time.Now,
		acks:       newAckLimiter(),
		parseSlots: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
}

// ErrNoRecipient is returned when no recipient of the item is an address
// that sved serves.
var ErrNoRecipient = errors.New("no recipient is an intake or reply address")

// Deliver parses env.Raw and stores it for every tenant it is addressed
// to. It returns an error only when storing failed, or ErrNoRecipient.
func (p *Pipeline) Deliver(ctx context.Context, env *Envelope) ([]Result, error) {
	cfg := p.config()
	groups := groupRecipients(cfg, env.Recipients)
	if len(groups) == 0 {
		return nil, ErrNoRecipient
	}

	m, err := p.parse(ctx, env.Raw)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(env.Raw)
	rawHash := hex.EncodeToString(sum[:])

	var results []Result
	for _, g := range groups {
		res, err := p.deliverTenant(ctx, env, g, m, rawHash)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

// tenantGroup is the part of the recipients that belongs to one tenant.
type tenantGroup struct {
	tenant     *config.Tenant
	intake     []*config.IntakeAddress
	recipients []string
	tokens     []string
}

func groupRecipients(cfg *config.Config, rcpts []string) []*tenantGroup {
	var groups []*tenantGroup
	byID := map[string]*tenantGroup{}
	for _, rcpt := range rcpts {
		r, ok := cfg.MatchRecipient(rcpt)
		if !ok {
			continue
		}
		g := byID[r.Tenant.ID]
		if g == nil {
			g = &tenantGroup{tenant: r.Tenant}
			byID[r.Tenant.ID] = g
			groups = append(groups, g)
		}
		if r.Token != "" {
			g.tokens = append(g.tokens, r.Token)
			continue
		}
		g.intake = append(g.intake, r.Intake)
		g.recipients = append(g.recipients, strings.ToLower(r.Intake.Address))
	}
	return groups
}

func (p *Pipeline) deliverTenant(ctx context.Context, env *Envelope, g *tenantGroup, m *message.Message, rawHash string) (Result, error) {
	for _, token := range g.tokens {
		d, err := p.store.ByToken(token)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("look up reply token of tenant %s: %w", g.tenant.ID, err)
		}
		// A stranger who writes to an intake address and copies a
		// dossier's reply address makes a request of their own: it must
		// not be swallowed as a suspicious message of that dossier.
		if len(g.intake) > 0 {
			if r, _ := senderRole(env, g.tenant, d, m, true); r == roleSuspicious {
				break
			}
		}
		return p.addToDossier(ctx, env, g.tenant, d, m, rawHash, true)
	}
	if len(g.intake) == 0 {
		// Only unknown tokens: the SMTP listener rejects those at RCPT,
		// so this happens when a dossier's token is unknown to this
		// store, for example on an ingested file.
		return Result{Tenant: g.tenant.ID}, fmt.Errorf("tenant %s: %w", g.tenant.ID, ErrUnknownToken)
	}
	d, byStaff, err := p.thread(g.tenant, m)
	if err != nil {
		return Result{}, err
	}
	if d != nil {
		return p.addToDossier(ctx, env, g.tenant, d, m, rawHash, byStaff)
	}
	return p.createDossier(ctx, env, g, m, rawHash)
}

// ErrUnknownToken is returned when an item is addressed only to reply
// addresses whose token no dossier owns.
var ErrUnknownToken = errors.New("reply address names no known dossier")

// parse parses raw once a parse slot is free.
func (p *Pipeline) parse(ctx context.Context, raw []byte) (*message.Message, error) {
	select {
	case p.parseSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.parseSlots }()
	return message.Parse(raw), nil
}
