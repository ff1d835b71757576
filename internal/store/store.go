package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Default values of Options.
const (
	DefaultLockTimeout = 5 * time.Second
	// maxBatchSize is the number of concurrent writes that share one
	// transaction and one fsync.
	maxBatchSize = 256
)

var (
	// ErrNotFound is returned when a dossier, token or mail does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrLocked is returned by Open when another process holds the file.
	ErrLocked = errors.New("store file is locked by another process")
	// ErrNotPending is returned when a queue operation targets a mail
	// that is already sent or failed.
	ErrNotPending = errors.New("mail is not pending")
)

// Options configures a Store. The zero value is usable.
type Options struct {
	// LockTimeout is how long Open waits for the file lock held by
	// another process. Default 5s.
	LockTimeout time.Duration
	// Now is the clock, time.Now by default.
	Now func() time.Time
	// Logger receives the store's log records. A nil Logger discards
	// them.
	Logger *slog.Logger
}

// Store is the bbolt database of dossiers, journals and the outbound
// queue. It is safe for use by many goroutines.
type Store struct {
	db      *bolt.DB
	commits *committer
	file    fileIdentity
	writes  atomic.Uint64 // writes committed, for noteWrite
	now     func() time.Time
	logger  *slog.Logger
	wakeCh  chan struct{}
}

// Open opens or creates the store file at path with mode 0600 and creates
// the buckets it lacks. It waits up to Options.LockTimeout for the file
// lock and then fails with ErrLocked.
func Open(path string, opts Options) (*Store, error) {
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}

	_, statErr := os.Stat(path)
	isNew := errors.Is(statErr, os.ErrNotExist)

	var opened os.FileInfo
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.LockTimeout,
		// The identity of the open file, for checkFile.
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			if err == nil {
				opened, err = f.Stat()
				if err != nil {
					f.Close()
					return nil, err
				}
			}
			return f, err
		},
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("open store %s: lock not acquired within %s, stop the other sved using this file: %w",
			path, opts.LockTimeout, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	absPath, err := filepath.Abs(path)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := initBuckets(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if isNew {
		// The file's directory entry must survive a crash too.
		if err := syncDir(filepath.Dir(path)); err != nil {
			db.Close()
			return nil, fmt.Errorf("open store %s: %w", path, err)
		}
	}
	warnMode(path, opts.Logger)

	opts.Logger.Info("store opened", "path", path, "new", isNew)
	return &Store{
		db:      db,
		commits: newCommitter(db, maxBatchSize),
		file:    fileIdentity{path: absPath, opened: opened},
		now:     opts.Now,
		logger:  opts.Logger,
		wakeCh:  make(chan struct{}, 1),
	}, nil
}

func initBuckets(db *bolt.DB) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		var version int
		found, err := getJSON(meta, []byte("version"), &version)
		if err != nil {
			return err
		}
		if !found {
			return putJSON(meta, []byte("version"), schemaVersion)
		}
		if version > schemaVersion {
			return fmt.Errorf("layout version %d is newer than %d: upgrade sved", version, schemaVersion)
		}
		if version < schemaVersion {
			if err := migrate(tx, version); err != nil {
				return err
			}
			return putJSON(meta, []byte("version"), schemaVersion)
		}
		return nil
	})
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// warnMode logs when an existing file is readable by other users. bbolt
// applies the mode only when it creates the file.
func warnMode(path string, logger *slog.Logger) {
	info, err := os.Stat(path)
	if err != nil {
		return
	}
	if info.Mode().Perm()&0o077 != 0 {
		logger.Warn("store file is readable by other users, run chmod 600 on it", "path", path,
			"mode", info.Mode().Perm().String())
	}
}

// Close closes the database file. It waits for running transactions.
func (s *Store) Close() error {
	path := s.db.Path()
	s.commits.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", path, err)
	}
	s.logger.Info("store closed", "path", path)
	return nil
}

// Backup writes a consistent copy of the whole database file to w while
// other goroutines keep reading and writing. It returns the bytes written.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup store: %w", err)
	}
	return n, nil
}

// Wake returns a channel that receives after each commit that queued
// mail. It has a buffer of one, so a slow reader sees one signal for
// several commits.
func (s *Store) Wake() <-chan struct{} {
	return s.wakeCh
}

func (s *Store) signalWake() {
	select {
	case s.wakeCh <- struct{}{}:
	default:
	}
}

// nowUTC returns the store clock in UTC, without a monotonic reading so
// that stored and returned values compare equal.
func (s *Store) nowUTC() time.Time {
	return s.now().UTC().Round(0)
}
