package store

import (
	"unsafe"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// dropPages advises the kernel that this process no longer needs the pages
// of the memory map that hold v, a value read in tx and already copied
// out. Reading a large value maps its pages into the process and they
// stay counted in its resident memory (RssFile) until bbolt remaps the
// file. bbolt v1.5.0 maps the file PROT_READ and MAP_SHARED, so
// MADV_DONTNEED only removes this process's page table entries: the data
// stays in the page cache and in the file, and a later read by any
// goroutine faults the same bytes back in. The page range is rounded
// outwards, which may drop a neighbour value's pages too, with the same
// harmless effect. tx must be a read transaction that is still open, so
// that bbolt cannot remap the file meanwhile. Errors are ignored because
// the advice changes memory accounting only.
func dropPages(tx *bolt.Tx, v []byte) {
	if len(v) == 0 || tx.Writable() {
		return
	}
	info := tx.DB().Info()
	base := info.Data
	size := uintptr(tx.Size())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	end := start + uintptr(len(v))
	if start < base || end > base+size {
		return // not a slice of the memory map
	}
	page := uintptr(unix.Getpagesize())
	first := start &^ (page - 1)
	last := (end + page - 1) &^ (page - 1)
	last = min(last, (base+size+page-1)&^(page-1))
	from := unsafe.Add(unsafe.Pointer(unsafe.SliceData(v)), -int(start-first))
	_ = unix.Madvise(unsafe.Slice((*byte)(from), last-first), unix.MADV_DONTNEED)
}

// trimEvery is the number of writes between two trimMap calls.
const trimEvery = 64

// trimMap drops this process's page table entries for the whole memory
// map, with the same safety argument as dropPages. Write transactions
// read the nodes they change from the map, large values included, and
// copy them into new pages, so the pages they touch pile up in resident
// memory until bbolt remaps the file on growth.
func (s *Store) trimMap() {
	_ = s.db.View(func(tx *bolt.Tx) error {
		info := tx.DB().Info()
		size := tx.Size()
		if size <= 0 {
			return nil
		}
		from, ok := mapStart(tx, info.Data, uintptr(size))
		if !ok {
			return nil
		}
		_ = unix.Madvise(unsafe.Slice((*byte)(from), size), unix.MADV_DONTNEED)
		return nil
	})
}

// noteWrite counts one write and trims the memory map every trimEvery
// writes.
func (s *Store) noteWrite() {
	if s.writes.Add(1)%trimEvery == 0 {
		s.trimMap()
	}
}

// mapStart returns a pointer to the first byte of the memory map, which
// starts at base and holds size bytes of data. It derives the pointer
// from a key read in tx, so that it keeps pointer provenance, and
// returns false when no key read from the map is found. bbolt copies a
// small bucket stored inline in its parent to the heap when it is not
// aligned, so keys of some buckets are not in the map.
func mapStart(tx *bolt.Tx, base, size uintptr) (unsafe.Pointer, bool) {
	for _, name := range allBuckets {
		b := tx.Bucket(name)
		if b == nil {
			continue
		}
		k, _ := b.Cursor().First()
		if len(k) == 0 {
			continue
		}
		at := uintptr(unsafe.Pointer(unsafe.SliceData(k)))
		if at >= base && at < base+size {
			return unsafe.Add(unsafe.Pointer(unsafe.SliceData(k)), -int(at-base)), true
		}
	}
	return nil, false
}
