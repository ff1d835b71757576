package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bucket names. doc.go describes the key and value layout of each.
var (
	bucketMeta             = []byte("meta")
	bucketDossiers         = []byte("dossiers")
	bucketMessages         = []byte("messages")
	bucketJournal          = []byte("journal")
	bucketDedup            = []byte("dedup")
	bucketMessageDedup     = []byte("message_dedup")
	bucketTokens           = []byte("tokens")
	bucketCounters         = []byte("counters")
	bucketIndexAll         = []byte("index_all")
	bucketIndexTenant      = []byte("index_tenant")
	bucketIndexState       = []byte("index_state")
	bucketIndexTenantState = []byte("index_tenant_state")
	bucketMails            = []byte("mails")
	bucketMailRaw          = []byte("mail_raw")
	bucketMailDue          = []byte("mail_due")
	bucketMailByDossier    = []byte("mail_by_dossier")
	bucketDue              = []byte("due")
	bucketOnce             = []byte("once")
	bucketMessageIDs       = []byte("message_ids")
	bucketCursors          = []byte("imap_cursors")
)

var allBuckets = [][]byte{
	bucketMeta, bucketDossiers, bucketMessages, bucketJournal,
	bucketDedup, bucketMessageDedup, bucketTokens, bucketCounters,
	bucketIndexAll, bucketIndexTenant, bucketIndexState, bucketIndexTenantState,
	bucketMails, bucketMailRaw, bucketMailDue, bucketMailByDossier,
	bucketDue, bucketOnce, bucketMessageIDs, bucketCursors,
}

// schemaVersion is stored under meta/"version". Open rejects a file
// written by a newer layout and upgrades an older one (see migrations).
// Version 2 records sent AEEs on the dossier and drops them from the
// due index; version 3 indexes the Message-IDs of the journals.
const schemaVersion = 3

// keySep separates the text parts of a composite key. No tenant name,
// reference, state, token or dedup key may contain it.
const keySep = 0x00

// prefixKey returns the parts joined and terminated by keySep, which is
// the prefix under which the entries of those parts are sorted.
func prefixKey(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	k := make([]byte, 0, n+8)
	for _, p := range parts {
		k = append(k, p...)
		k = append(k, keySep)
	}
	return k
}

// seqKey returns prefix followed by n as 8 big-endian bytes, so that
// entries sort by n within the prefix.
func seqKey(prefix []byte, n uint64) []byte {
	k := make([]byte, len(prefix), len(prefix)+8)
	copy(k, prefix)
	return binary.BigEndian.AppendUint64(k, n)
}

var unixEpoch = time.Unix(0, 0)

// timeKey returns t as nanoseconds since 1970 for ordered keys. Times
// before 1970, including the zero time, sort first.
func timeKey(t time.Time) uint64 {
	if t.Before(unixEpoch) {
		return 0
	}
	return uint64(t.UnixNano())
}

// checkKeyPart rejects a value that would break composite keys.
func checkKeyPart(name, v string) error {
	if v == "" {
		return fmt.Errorf("%s is empty", name)
	}
	if strings.IndexByte(v, keySep) >= 0 {
		return fmt.Errorf("%s %q contains a NUL byte", name, v)
	}
	return nil
}

// lastUnder returns the last key and value under prefix, or nil.
func lastUnder(b *bolt.Bucket, prefix []byte) (k, v []byte) {
	return seekLast(b.Cursor(), prefix)
}

// seekLast positions c on the last key that starts with prefix and
// returns it with its value, or nil. An empty prefix selects the whole
// bucket.
func seekLast(c *bolt.Cursor, prefix []byte) (k, v []byte) {
	if len(prefix) == 0 {
		return c.Last()
	}
	// Every key under the prefix sorts before the prefix with its last
	// byte incremented, because keySep (0x00) ends every prefix.
	end := bytes.Clone(prefix)
	end[len(end)-1]++
	if k, _ = c.Seek(end); k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// putJSON stores v encoded as JSON under key.
func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode value of %q: %w", key, err)
	}
	if err := b.Put(key, data); err != nil {
		return fmt.Errorf("put %q: %w", key, err)
	}
	return nil
}

// getJSON decodes the value under key into v and reports whether the
// key exists.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode %q: %w", key, err)
	}
	return true, nil
}
