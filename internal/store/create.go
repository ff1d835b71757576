package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sved-project/sved/internal/dossier"
)

// ErrRefExists is returned by Create when the reference it computed is
// already taken, which happens only when two tenants share a prefix.
var ErrRefExists = errors.New("reference already exists")

// createResult is the outcome of one run of a Create or AddMessage
// transaction function. The committer may run the function again, so
// each run starts from a zero result.
type createResult struct {
	d       *dossier.Dossier
	created bool
	queued  int
}

// Create stores a new dossier, its raw message, its journal and the mails
// that Build returns, in one transaction shared with concurrent callers.
// When the tenant already has a dossier for nd.DedupKey, Create writes
// nothing and returns that dossier with created false. Build runs inside
// the transaction, possibly more than once.
func (s *Store) Create(ctx context.Context, nd *NewDossier) (*dossier.Dossier, bool, error) {
	tenant := nd.Dossier.Tenant
	if err := validateNew(nd); err != nil {
		return nil, false, fmt.Errorf("create dossier for tenant %q: %w", tenant, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("create dossier for tenant %q: %w", tenant, err)
	}

	// Hashing 25 MiB takes tens of milliseconds, which must not run inside
	// the shared transaction.
	rawSHA256 := nd.Dossier.RawSHA256
	if rawSHA256 == "" {
		sum := sha256.Sum256(nd.Raw)
		rawSHA256 = hex.EncodeToString(sum[:])
	}

	var res createResult
	err := s.batchStaged(func() stagedWrite {
		res = createResult{}
		c := &creation{nd: nd, rawSHA256: rawSHA256}
		return stagedWrite{
			prepare: func(tx *bolt.Tx) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				return s.createPrepare(tx, c)
			},
			build: c.build,
			apply: func(tx *bolt.Tx) error {
				r, err := s.createApply(tx, c)
				res = r
				return err
			},
		}
	})
	if err != nil {
		return nil, false, fmt.Errorf("create dossier for tenant %q: %w", tenant, err)
	}

	if res.queued > 0 {
		s.signalWake()
	}
	if res.created {
		s.logger.Debug("dossier created", "tenant", tenant, "dossier", res.d.Ref,
			"channel", string(res.d.Channel), "mails", res.queued)
	}
	return res.d, res.created, nil
}

func validateNew(nd *NewDossier) error {
	if err := checkKeyPart("tenant", nd.Dossier.Tenant); err != nil {
		return err
	}
	if err := checkKeyPart("reference prefix", nd.Prefix); err != nil {
		return err
	}
	if err := checkKeyPart("dedup key", nd.DedupKey); err != nil {
		return err
	}
	if nd.Dossier.Token != "" {
		if err := checkKeyPart("token", nd.Dossier.Token); err != nil {
			return err
		}
	}
	if nd.Cursor != nil {
		if err := nd.Cursor.Key.check(); err != nil {
			return err
		}
	}
	if nd.Location == nil && nd.Calendar != nil {
		nd.Location = nd.Calendar.Location()
	}
	if nd.Location == nil {
		return errors.New("time zone is missing")
	}
	if nd.Build == nil {
		return errors.New("build function is missing")
	}
	if s := nd.Dossier.State; s != "" && !s.Valid() {
		return fmt.Errorf("unknown state %q", s)
	}
	return nil
}

// creation carries one Create through the three steps of its write:
// createPrepare, build (in parallel with the other writes of the group)
// and createApply. Any error rolls back everything the steps wrote, the
// counter increment included.
type creation struct {
	nd        *NewDossier
	rawSHA256 string

	// existingRef is set when the dedup key was already stored. That
	// dossier may belong to an earlier write of the same group, whose
	// apply step writes it, so it is read only in createApply.
	existingRef string
	d           dossier.Dossier
	owned       dossier.Dossier // d before build, for the fields the store owns
	now         time.Time
	events      []dossier.Event
	mails       []OutboundMail
}

// createPrepare checks the dedup key, moves the IMAP cursor, takes the
// next reference and writes the raw message, the "received" event and the
// dedup key. The dedup key is written here, not in createApply, so that a
// second copy of the same item in the same group finds it.
func (s *Store) createPrepare(tx *bolt.Tx, c *creation) error {
	nd := c.nd
	tenant := nd.Dossier.Tenant
	dedupKey := prefixKey(tenant, nd.DedupKey)

	if nd.Cursor != nil {
		if err := applyMark(tx, nd.Cursor); err != nil {
			return err
		}
	}

	var existingRef string
	found, err := getJSON(tx.Bucket(bucketDedup), dedupKey, &existingRef)
	if err != nil {
		return fmt.Errorf("dedup key: %w", err)
	}
	if found {
		c.existingRef = existingRef
		return nil
	}

	c.now = s.nowUTC()
	d := cloneDossier(&nd.Dossier)
	d.Year = c.now.In(nd.Location).Year()
	d.Seq, err = nextSeq(tx, tenant, d.Year)
	if err != nil {
		return err
	}
	d.Ref = formatRef(nd.Prefix, d.Year, d.Seq)
	if tx.Bucket(bucketDossiers).Get([]byte(d.Ref)) != nil {
		return fmt.Errorf("dossier %s: %w", d.Ref, ErrRefExists)
	}
	d.ReceivedAt = c.now
	d.EventCount = 0
	d.RawSHA256 = c.rawSHA256
	d.RawSize = int64(len(nd.Raw))
	if d.State == "" {
		d.State = dossier.StateReceived
	}
	// Build sees the due dates, so that the AEE can state the ARE's.
	d.RecomputeDue(nd.Calendar)

	if err := putMessage(tx, d.Ref, 0, nd.Raw); err != nil {
		return err
	}
	if err := appendEvents(tx, &d, []dossier.Event{receivedEvent(&d)}, c.now); err != nil {
		return err
	}
	if err := putJSON(tx.Bucket(bucketDedup), dedupKey, d.Ref); err != nil {
		return fmt.Errorf("dedup key of %s: %w", d.Ref, err)
	}
	c.d = d
	c.owned = d
	return nil
}

// build calls NewDossier.Build without the transaction, then restores the
// fields the store owns.
func (c *creation) build() error {
	if c.existingRef != "" {
		return nil
	}
	events, mails, err := callBuild(c.nd.Build, &c.d)
	if err != nil {
		return fmt.Errorf("build dossier %s: %w", c.owned.Ref, err)
	}
	restoreOwned(&c.d, &c.owned)
	if !c.d.State.Valid() {
		return fmt.Errorf("build dossier %s: unknown state %q", c.d.Ref, c.d.State)
	}
	if !c.d.Regime.Valid() {
		return fmt.Errorf("build dossier %s: unknown regime %q", c.d.Ref, c.d.Regime)
	}
	c.events, c.mails = events, mails
	return nil
}

// createApply writes what build returned, the token, the indexes and the
// dossier itself.
func (s *Store) createApply(tx *bolt.Tx, c *creation) (createResult, error) {
	if c.existingRef != "" {
		d, err := getDossier(tx, c.existingRef)
		if err != nil {
			return createResult{}, fmt.Errorf("dedup key points to %s: %w", c.existingRef, err)
		}
		return createResult{d: d}, nil
	}
	d := &c.d
	// Checked again here: another write of the group may have taken the
	// reference since createPrepare, when two tenants share a prefix.
	if tx.Bucket(bucketDossiers).Get([]byte(d.Ref)) != nil {
		return createResult{}, fmt.Errorf("dossier %s: %w", d.Ref, ErrRefExists)
	}
	if err := appendEvents(tx, d, c.events, c.now); err != nil {
		return createResult{}, err
	}
	for i := range c.mails {
		if err := queueMail(tx, d, &c.mails[i], c.now); err != nil {
			return createResult{}, err
		}
	}
	// Build may change the state, so the dates follow what is stored.
	d.RecomputeDue(c.nd.Calendar)

	if err := putToken(tx, d); err != nil {
		return createResult{}, err
	}
	if err := putIndexes(tx, d); err != nil {
		return createResult{}, err
	}
	if err := replaceDueIndex(tx, nil, d); err != nil {
		return createResult{}, err
	}
	if err := putDossier(tx, d); err != nil {
		return createResult{}, err
	}
	return createResult{d: d, created: true, queued: len(c.mails)}, nil
}

// restoreOwned puts back in d the fields that only the store sets.
func restoreOwned(d, owned *dossier.Dossier) {
	d.Ref = owned.Ref
	d.Tenant = owned.Tenant
	d.Year = owned.Year
	d.Seq = owned.Seq
	d.ReceivedAt = owned.ReceivedAt
	d.EventCount = owned.EventCount
}

// applyBuild calls build on d, restores the fields the store owns, then
// appends the events and queues the mails it returned. It returns the
// number of mails queued.
func (s *Store) applyBuild(tx *bolt.Tx, d *dossier.Dossier,
	build func(*dossier.Dossier) ([]dossier.Event, []OutboundMail, error), now time.Time) (int, error) {
	owned := *d
	events, mails, err := callBuild(build, d)
	if err != nil {
		return 0, fmt.Errorf("build dossier %s: %w", owned.Ref, err)
	}
	restoreOwned(d, &owned)
	if !d.State.Valid() {
		return 0, fmt.Errorf("build dossier %s: unknown state %q", d.Ref, d.State)
	}

	if err := appendEvents(tx, d, events, now); err != nil {
		return 0, err
	}
	for i := range mails {
		if err := queueMail(tx, d, &mails[i], now); err != nil {
			return 0, err
		}
	}
	return len(mails), nil
}

// callBuild runs build and turns a panic into an error of that Create,
// so that the error names the build rather than the whole write.
func callBuild(build func(*dossier.Dossier) ([]dossier.Event, []OutboundMail, error),
	d *dossier.Dossier) (events []dossier.Event, mails []OutboundMail, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return build(d)
}

// receivedEvent is the first event of every dossier.
func receivedEvent(d *dossier.Dossier) dossier.Event {
	fields := map[string]string{
		"raw_sha256": d.RawSHA256,
		"raw_size":   strconv.FormatInt(d.RawSize, 10),
	}
	if d.MessageID != "" {
		fields["message_id"] = d.MessageID
	}
	return dossier.Event{
		At:     d.ReceivedAt,
		Kind:   dossier.EventReceived,
		Actor:  string(d.Channel),
		Fields: fields,
	}
}

// cloneDossier copies d and its slices, so that a Build that changes
// slice elements in place cannot alter the input of the next run.
func cloneDossier(d *dossier.Dossier) dossier.Dossier {
	c := *d
	c.Recipients = slices.Clone(d.Recipients)
	c.Attachments = slices.Clone(d.Attachments)
	c.Warnings = slices.Clone(d.Warnings)
	c.Pieces = slices.Clone(d.Pieces)
	return c
}

// nextSeq increments and returns the counter of tenant and year. The
// counter lives in the same transaction, so a rolled back Create leaves
// no gap.
func nextSeq(tx *bolt.Tx, tenant string, year int) (uint64, error) {
	b := tx.Bucket(bucketCounters)
	key := prefixKey(tenant, strconv.Itoa(year))
	var n uint64
	if _, err := getJSON(b, key, &n); err != nil {
		return 0, fmt.Errorf("counter of tenant %q year %d: %w", tenant, year, err)
	}
	n++
	if err := putJSON(b, key, n); err != nil {
		return 0, fmt.Errorf("counter of tenant %q year %d: %w", tenant, year, err)
	}
	return n, nil
}

// formatRef returns PREFIX-YYYY-NNNNNN. Numbers past 999999 get more
// digits.
func formatRef(prefix string, year int, seq uint64) string {
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, seq)
}
