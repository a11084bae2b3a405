package sqlitestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The acknowledgement mark: after each write that adds chunks, the
// highest chunk sequence number ever issued goes to a 16-byte file beside
// the database (written in place and synced), outside the database and
// its write-ahead log. A log that is truncated, damaged or deleted makes
// SQLite drop the writes it held without a word; at the next open the
// database's highest sequence number is then below the mark, and the
// store reports the rollback instead of carrying on as if nothing was
// lost.

// Rollback describes acknowledged writes the database no longer holds.
type Rollback struct {
	Missing int64     // writes (chunks) acknowledged and gone
	Since   time.Time // when the last acknowledged one was written
}

func (r *Rollback) Error() string {
	return fmt.Sprintf("%d saved edit(s) up to %s are missing from the data file (its write-ahead log was damaged or lost, or it was restored from an older copy); what co-authors or a relay received comes back with the next sync",
		r.Missing, r.Since.Local().Format("2006-01-02 15:04"))
}

const ackSuffix = "-acked"

// highestSeq returns the highest chunk sequence number ever issued (it
// does not go down when chunks are deleted).
func (s *Store) highestSeq(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'chunks'), 0)`).Scan(&n)
	return n, s.wrap(err, "reading the highest write")
}

// checkNotLost refuses a data file without even its tables when the mark
// says edits were saved in it (its log, which held everything since the
// file was made, is gone): a new schema must not be written over that.
func (s *Store) checkNotLost(ctx context.Context) error {
	saved := savedEdits(s.path)
	if saved == 0 {
		return nil
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'chunks'`).Scan(&tables); err != nil {
		return s.wrap(err, "opening")
	}
	if tables > 0 {
		return nil
	}
	return fmt.Errorf("%w: %s holds none of the %d edits saved in it (its write-ahead log, %s-wal, is missing or unreadable). Nothing was changed; restore both from a backup, or move %s* aside to start afresh; what co-authors or a relay received comes back with the next sync",
		ErrEmptied, s.path, saved, filepath.Base(s.path), filepath.Base(s.path))
}

// savedEdits returns the sequence number the mark beside path holds (0:
// none, or no mark).
func savedEdits(path string) uint64 {
	b, err := os.ReadFile(path + ackSuffix)
	if err != nil || len(b) < 16 {
		return 0
	}
	return binary.LittleEndian.Uint64(b[:8])
}

// openAcked compares the mark with the database and opens the mark for
// the writes to come. A missing or unreadable mark is started afresh.
func (s *Store) openAcked(ctx context.Context) error {
	highest, err := s.highestSeq(ctx)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(s.path+ackSuffix, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		// Reading must work where writing cannot (a read-only or full
		// disk): without a mark, rollbacks go unnoticed, and the log says so.
		s.log.Warn("Cannot keep the acknowledgement mark; a damaged write-ahead log would go unnoticed", "err", err)
		return nil
	}
	var b [16]byte
	if _, err := io.ReadFull(f, b[:]); err == nil {
		acked := int64(binary.LittleEndian.Uint64(b[:8]))
		if acked > highest {
			s.rollback = &Rollback{Missing: acked - highest, Since: time.UnixMilli(int64(binary.LittleEndian.Uint64(b[8:])))}
			s.log.Error("Saved edits are missing from the data file", "missing", s.rollback.Missing, "since", s.rollback.Since, "file", s.path)
		}
	} else if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		f.Close()
		return fmt.Errorf("reading %s: %w", s.path+ackSuffix, err)
	}
	s.ack = f
	if s.rollback != nil || highest > 0 {
		s.acknowledge(highest)
	}
	return nil
}

// acknowledge records that the write with sequence number seq is saved.
// A failure is logged, not returned: the write itself is safe.
func (s *Store) acknowledge(seq int64) {
	if s.ack == nil {
		return
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(seq))
	binary.LittleEndian.PutUint64(b[8:], uint64(time.Now().UnixMilli()))
	_, err := s.ack.WriteAt(b[:], 0)
	if err == nil {
		err = s.ack.Sync()
	}
	if err != nil {
		s.log.Warn("Could not update the acknowledgement mark", "err", err)
	}
}

// Rollback reports acknowledged writes found missing when the store was
// opened, or nil.
func (s *Store) Rollback() *Rollback { return s.rollback }
