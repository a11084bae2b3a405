package sqlitestore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
)

//go:embed sql/migrations/*.sql
var migrations embed.FS

var (
	// ErrNotFound is returned for a draft id the store does not hold.
	ErrNotFound = errors.New("no such draft")
	// ErrExists is returned when creating a draft whose id is already stored.
	ErrExists = errors.New("draft already exists")
	// ErrCorrupt is returned when the file is not a readable SQLite database.
	ErrCorrupt = errors.New("data file is damaged or not a BPF Draft database")
	// ErrNewerSchema is returned when the file was written by a newer version.
	ErrNewerSchema = errors.New("data file was written by a newer BPF Draft")
	// ErrDiskFull is returned when a write finds no room on the disk.
	ErrDiskFull = errors.New("the disk is full")
)

// Summary is what listing drafts shows, kept beside the document.
type Summary struct {
	ID       string
	Title    string
	Template string
	Year     int
	Sections int
	Filled   int
	Created  time.Time
	Updated  time.Time
	Deleted  time.Time // zero while live
}

// Chunk is one stored piece of a draft's document.
type Chunk struct {
	Seq      int64
	Snapshot bool
	Data     []byte
}

// Store is an open data file. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	log  *slog.Logger

	ack            *os.File  // the acknowledgement mark (acked.go); nil when it cannot be kept
	rollback       *Rollback // found at open
	readOnly       bool      // opened on a full disk (openReadOnly) or where it cannot be written (openUnwritable)
	unwritable     bool      // the latter
	noViews        bool      // opened read-only in a layout from before the views table
	noVersionViews bool      // or before the version views table
	noSeals        bool      // opened read-only in a layout from before the seals table
}

// Open opens (creating if needed) the SQLite file at path and brings its
// schema up to date.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("creating data directory: %w", err)
	}
	if err := checkNotEmptied(path); err != nil {
		return nil, err
	}
	makePrivate(path, log)
	// auto_vacuum only takes effect on a new file, so it comes first: it
	// lets compaction hand the pages of replaced chunks back to the disk.
	db, err := openDB(path, "immediate", "auto_vacuum(INCREMENTAL)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)")
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, log: log}
	if err := s.checkNotLost(ctx); err != nil {
		db.Close()
		if noRoom(err) {
			return openReadOnly(ctx, path, log, err)
		}
		if cannotWrite(err) {
			return openUnwritable(ctx, path, log, err)
		}
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		if noRoom(err) {
			return openReadOnly(ctx, path, log, err)
		}
		if cannotWrite(err) {
			return openUnwritable(ctx, path, log, err)
		}
		return nil, s.wrap(err, "opening")
	}
	if err := s.quickCheck(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.openAcked(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// ErrEmptied is returned for a data file that is empty while its
// write-ahead log holds data: opening it would write a new, empty schema
// over what the log holds and delete the log.
var ErrEmptied = errors.New("the data file is empty but its write-ahead log is not")

// checkNotEmptied refuses a data file emptied beside a log that is not
// (a failed copy, a truncation): nothing is initialised over data.
func checkNotEmptied(path string) error {
	db, err := os.Stat(path)
	if saved := savedEdits(path); saved > 0 && !holdsSchema(path) {
		return fmt.Errorf("%w: %s holds none of the %d edits saved in it (its write-ahead log, %s-wal, is missing or empty). Nothing was changed; restore both from a backup, or move %s* aside to start afresh; what co-authors or a relay received comes back with the next sync",
			ErrEmptied, path, saved, filepath.Base(path), filepath.Base(path))
	}
	if err != nil || db.Size() > 0 {
		return nil // a new file, or one with pages: SQLite judges it
	}
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return fmt.Errorf("%w: %s is 0 bytes and %s-wal is %d bytes. Nothing was changed; restore %s from a backup, or move both files aside to start afresh",
			ErrEmptied, path, path, wal.Size(), filepath.Base(path))
	}
	return nil
}

// holdsSchema reports whether the file at path, with its write-ahead log,
// may hold tables: the header's schema cookie (bytes 40-43) is set once
// tables are created and checkpointed; before that they live in the log.
func holdsSchema(path string) bool {
	if wal, err := os.Stat(path + "-wal"); err == nil && wal.Size() > 0 {
		return true // SQLite reads the log and judges
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var hdr [100]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return false
	}
	return binary.BigEndian.Uint32(hdr[40:44]) != 0
}

// openDB opens the file with the given pragmas, in order, and txlock
// ("" for the driver's default) for write transactions. One connection:
// writes are serialised anyway, and it keeps reads inside this process
// consistent with its own last write.
func openDB(path, txlock string, pragmas ...string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	if txlock != "" {
		q.Set("_txlock", txlock)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// noRoom reports an error of a full disk: SQLite's "full", or its failure
// to size the shared-memory file a WAL database needs to be opened.
func noRoom(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch code := se.Code(); {
	case code&0xff == codeFull:
		return true
	case code&0xff == codeIOErr:
		ext := code >> 8
		return ext == ioerrShmOpen || ext == ioerrShmSize || ext == ioerrShmMap || ext == ioerrWrite || ext == ioerrFsync
	}
	return false
}

// openReadOnly opens the file for reading on a disk too full to open it
// as usual. In exclusive locking mode SQLite keeps the write-ahead log's
// index in memory instead of the shared-memory file it cannot make, and
// still reads what the log holds. No write is possible, and the store
// says so (ErrDiskFull) when one is tried; other processes wait until
// this one closes the file.
func openReadOnly(ctx context.Context, path string, log *slog.Logger, cause error) (*Store, error) {
	db, err := openDB(path, "", "locking_mode(EXCLUSIVE)", "busy_timeout(10000)", "query_only(1)")
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, log: log, readOnly: true}
	if err := s.layoutReadable(ctx, "on a full disk"); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: no room to open %s (%v), nor to read it as it is: %v; free some space and try again (what was saved is intact)", ErrDiskFull, path, cause, err)
	}
	if err := s.openAcked(ctx); err != nil {
		db.Close()
		return nil, err
	}
	log.Warn("The disk is full: the data file is open for reading only", "file", path)
	return s, nil
}

// cannotWrite reports SQLite's refusal to open or write a file in a place
// this process may not write to (a read-only mount, a directory of
// another user's): it cannot create the write-ahead log beside it.
func cannotWrite(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff
	return code == codeCantOpen || code == codeReadOnly
}

// openUnwritable opens the file of a data directory this process cannot
// write to as it stands, for reading: commands that only read work, and
// any write says why it cannot be made.
func openUnwritable(ctx context.Context, path string, log *slog.Logger, cause error) (*Store, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, cause)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("immutable", "1")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path, log: log, readOnly: true, unwritable: true}
	if err := s.layoutReadable(ctx, "where it cannot be written"); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: %s cannot be written (%v) nor read as it is: %v", ErrReadOnly, path, cause, err)
	}
	log.Warn("The data directory cannot be written: the data file is open for reading only", "file", path)
	return s, nil
}

// ErrReadOnly says the data directory cannot be written.
var ErrReadOnly = errors.New("the data directory cannot be written")

// readableLayout is the oldest layout this program reads without
// migrating it: what came after it (07, the views) is derived data a
// reader does without.
const (
	readableLayout     = 6
	viewsLayout        = 7
	sealsLayout        = 8
	versionViewsLayout = 9
)

// layoutReadable checks, for a file opened without migrating it, that
// this program can read its layout; where says why it could not be
// migrated.
func (s *Store) layoutReadable(ctx context.Context, where string) error {
	var have int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schemamigrations`).Scan(&have); err != nil {
		return err
	}
	if have < readableLayout {
		return fmt.Errorf("its layout is older than this program's and cannot be brought up to date %s", where)
	}
	s.noViews = have < viewsLayout
	s.noSeals = have < sealsLayout
	s.noVersionViews = have < versionViewsLayout
	return nil
}

// ReadOnly reports that the store was opened for reading only (a full disk).
func (s *Store) ReadOnly() bool { return s.readOnly }

// Unwritable reports a store opened for reading because its directory
// cannot be written.
func (s *Store) Unwritable() bool { return s.unwritable }

// SetMaxSize caps the data file at about n bytes: a write past it fails
// as on a full disk. It lets a machine with little storage keep room for
// other things, and tests see what a full disk does.
func (s *Store) SetMaxSize(ctx context.Context, n int64) error {
	var pageSize int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return s.wrap(err, "reading the page size")
	}
	// The store keeps one connection, so the cap holds for every write.
	_, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", max(n/pageSize, 1)))
	return s.wrap(err, "capping the data file")
}

// Size returns the bytes the database's pages take, which SetMaxSize caps.
func (s *Store) Size(ctx context.Context) (int64, error) {
	var pages, pageSize int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return 0, s.wrap(err, "reading the page count")
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
		return 0, s.wrap(err, "reading the page size")
	}
	return pages * pageSize, nil
}

// Path returns the file the store reads and writes.
func (s *Store) Path() string { return s.path }

// Close closes the file.
func (s *Store) Close() error {
	if s.ack != nil {
		s.ack.Close()
	}
	return s.db.Close()
}

// SQLite's primary result codes that change what we tell the user.
const (
	codeIOErr    = 10 // SQLITE_IOERR, with extended codes (code >> 8):
	codeCorrupt  = 11 // SQLITE_CORRUPT
	codeFull     = 13 // SQLITE_FULL
	codeCantOpen = 14 // SQLITE_CANTOPEN
	codeReadOnly = 8  // SQLITE_READONLY
	codeNotADB   = 26 // SQLITE_NOTADB

	ioerrWrite   = 3
	ioerrFsync   = 4
	ioerrShmOpen = 18
	ioerrShmSize = 19
	ioerrShmMap  = 21
)

// wrap turns SQLite's corruption and disk-full errors into messages that
// say what to do, and adds what was being done to any other error.
func (s *Store) wrap(err error, doing string) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case codeCorrupt, codeNotADB:
			return s.corrupt(err)
		case codeFull:
			return fmt.Errorf("%s: %w: no room for %s; free some space and try again (what was saved before is intact): %v", doing, ErrDiskFull, s.path, err)
		}
		if s.unwritable && (strings.Contains(err.Error(), "readonly") || se.Code()&0xff == codeReadOnly) {
			return fmt.Errorf("%s: %w: %s is open for reading only; to change drafts, make the directory writable or copy it somewhere that is (what was saved is intact)", doing, ErrReadOnly, s.path)
		}
		if s.readOnly && strings.Contains(err.Error(), "readonly") {
			return fmt.Errorf("%s: %w: %s is open for reading only until some space is freed (what was saved before is intact)", doing, ErrDiskFull, s.path)
		}
	}
	return fmt.Errorf("%s: %w", doing, err)
}

func (s *Store) corrupt(cause error) error {
	return fmt.Errorf("%w: %s (%v); move the file aside and restore a backup, or re-import your drafts from .automerge files; BPF Draft will not overwrite it", ErrCorrupt, s.path, cause)
}

// quickCheck asks SQLite to verify the file's structure, so a damaged file
// is reported at open instead of halfway through reading a draft.
func (s *Store) quickCheck(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check(5)")
	if err != nil {
		return s.wrap(err, "checking data file")
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			return s.wrap(err, "checking data file")
		}
		if r != "ok" {
			problems = append(problems, r)
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap(err, "checking data file")
	}
	if len(problems) > 0 {
		return s.corrupt(errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schemamigrations (
		version INTEGER PRIMARY KEY, applied INTEGER NOT NULL) STRICT`); err != nil {
		return err
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schemamigrations`).Scan(&have); err != nil {
		return err
	}
	files, err := fs.Glob(migrations, "sql/migrations/*.sql")
	if err != nil {
		return err
	}
	type mig struct {
		version int
		name    string
	}
	var ms []mig
	for _, f := range files {
		base := filepath.Base(f)
		n, err := strconv.Atoi(strings.SplitN(base, "-", 2)[0])
		if err != nil {
			return fmt.Errorf("migration %s has no version number", base)
		}
		ms = append(ms, mig{n, f})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	if len(ms) > 0 && have > ms[len(ms)-1].version {
		return fmt.Errorf("%w (schema %d, this program knows %d): update BPF Draft", ErrNewerSchema, have, ms[len(ms)-1].version)
	}
	for _, m := range ms {
		if m.version <= have {
			continue
		}
		body, err := migrations.ReadFile(m.name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", filepath.Base(m.name), err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schemamigrations (version, applied) VALUES (?, ?)`, m.version, time.Now().UnixMilli()); err != nil {
			return err
		}
		s.log.Info("Applied storage migration", "version", m.version, "file", s.path)
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	bad := rows.Next()
	rows.Close()
	if bad {
		return s.corrupt(errors.New("foreign key check failed after migration"))
	}
	return tx.Commit()
}

// CreateDraft stores a new draft with its first snapshot, and returns
// the snapshot's sequence number.
func (s *Store) CreateDraft(ctx context.Context, sum Summary, snapshot []byte, seals []SealRow) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM drafts WHERE id = ?`, sum.ID).Scan(&n); err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	if n > 0 {
		return 0, fmt.Errorf("%w: %s", ErrExists, sum.ID)
	}
	now := time.Now().UnixMilli()
	created := sum.Created.UnixMilli()
	if sum.Created.IsZero() {
		created = now
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO drafts (id, title, template, year, sections, filled, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sum.ID, sum.Title, sum.Template, sum.Year, sum.Sections, sum.Filled, created, now); err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO chunks (draft_id, snapshot, data, written) VALUES (?, 1, ?, ?)`, sum.ID, snapshot, now)
	if err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	if err := putSeals(ctx, tx, sum.ID, seals); err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(err, "creating draft")
	}
	s.acknowledge(seq)
	return seq, nil
}

// Append stores one write's changes and the draft's new summary in one
// transaction, and returns the chunk's sequence number. When Append
// returns nil the write is on disk.
func (s *Store) Append(ctx context.Context, sum Summary, data []byte, seals []SealRow) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(err, "saving edit")
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	res, err := tx.ExecContext(ctx, `UPDATE drafts SET title = ?, template = ?, year = ?, sections = ?, filled = ?, updated = ?
		WHERE id = ?`, sum.Title, sum.Template, sum.Year, sum.Sections, sum.Filled, now, sum.ID)
	if err != nil {
		return 0, s.wrap(err, "saving edit")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, fmt.Errorf("%w: %s", ErrNotFound, sum.ID)
	}
	res, err = tx.ExecContext(ctx, `INSERT INTO chunks (draft_id, snapshot, data, written) VALUES (?, 0, ?, ?)`, sum.ID, data, now)
	if err != nil {
		return 0, s.wrap(err, "saving edit")
	}
	if err := putSeals(ctx, tx, sum.ID, seals); err != nil {
		return 0, s.wrap(err, "saving edit")
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, s.wrap(err, "saving edit")
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(err, "saving edit")
	}
	s.acknowledge(seq)
	return seq, nil
}

// SealRow is one device's newest seal in a draft (crdt.Seal, encoded).
type SealRow struct {
	Actor string
	Seq   uint64
	Data  []byte
}

// putSeals stores seals with the chunk they came with, keeping for each
// device the seal of its latest change: another process may have saved
// a newer one of the same device.
func putSeals(ctx context.Context, tx *sql.Tx, id string, seals []SealRow) error {
	for _, r := range seals {
		if _, err := tx.ExecContext(ctx, `INSERT INTO seals (draft_id, actor, seq, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (draft_id, actor) DO UPDATE SET seq = excluded.seq, data = excluded.data
			WHERE excluded.seq > seals.seq`, id, r.Actor, int64(r.Seq), r.Data); err != nil {
			return err
		}
	}
	return nil
}

// PutSeals stores seals on their own, keeping the newer of each device's.
func (s *Store) PutSeals(ctx context.Context, id string, seals []SealRow) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "saving signatures")
	}
	defer tx.Rollback()
	if err := putSeals(ctx, tx, id, seals); err != nil {
		return s.wrap(err, "saving signatures")
	}
	return s.wrap(tx.Commit(), "saving signatures")
}

// Seals returns the seals stored for a draft (none in a file whose
// layout predates them, opened read-only).
func (s *Store) Seals(ctx context.Context, id string) ([]SealRow, error) {
	if s.noSeals {
		return nil, nil
	}
	out, err := querySeals(ctx, s.db, id)
	return out, s.wrap(err, "reading seals")
}

func querySeals(ctx context.Context, q querier, id string) ([]SealRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT actor, seq, data FROM seals WHERE draft_id = ? ORDER BY actor`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SealRow
	for rows.Next() {
		var r SealRow
		var seq int64
		if err := rows.Scan(&r.Actor, &seq, &r.Data); err != nil {
			return nil, err
		}
		r.Seq = uint64(seq)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ChunksAndSeals returns a draft's chunks with seq greater than after and
// its seals, read in one transaction: a chunk and the seal of its newest
// change are written together, and reading them apart could pair a seal
// with a change not loaded yet (or a chunk with an older seal), which
// leaves that change looking unsealed until the next write.
func (s *Store) ChunksAndSeals(ctx context.Context, id string, after int64) ([]Chunk, []SealRow, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, s.wrap(err, "reading draft")
	}
	defer tx.Rollback()
	chunks, err := queryChunks(ctx, tx, id, after)
	if err != nil {
		return nil, nil, s.wrap(err, "reading draft")
	}
	if betweenReads != nil {
		betweenReads()
	}
	if s.noSeals {
		return chunks, nil, nil
	}
	seals, err := querySeals(ctx, tx, id)
	return chunks, seals, s.wrap(err, "reading seals")
}

// betweenReads lets a test write between ChunksAndSeals' two reads.
var betweenReads func()

// Chunks returns a draft's chunks with seq greater than after, in order.
func (s *Store) Chunks(ctx context.Context, id string, after int64) ([]Chunk, error) {
	out, err := queryChunks(ctx, s.db, id, after)
	return out, s.wrap(err, "reading draft")
}

// querier is what reads need of a database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryChunks(ctx context.Context, q querier, id string, after int64) ([]Chunk, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, snapshot, data FROM chunks WHERE draft_id = ? AND seq > ? ORDER BY seq`, id, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Chunk
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.Seq, &c.Snapshot, &c.Data); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Compact replaces every chunk of a draft by one snapshot. build receives
// the chunks newer than seen (written by another process since the caller
// last looked) and must return the whole document including them. It runs
// inside the write transaction, so no chunk can slip in between reading
// and deleting; the old chunks disappear in the same commit that stores
// the snapshot. It returns the snapshot's sequence number.
func (s *Store) Compact(ctx context.Context, id string, seen int64, build func(newer []Chunk) ([]byte, error)) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(err, "compacting")
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT seq, snapshot, data FROM chunks WHERE draft_id = ? AND seq > ? ORDER BY seq`, id, seen)
	if err != nil {
		return 0, s.wrap(err, "compacting")
	}
	var newer []Chunk
	for rows.Next() {
		var c Chunk
		if err := rows.Scan(&c.Seq, &c.Snapshot, &c.Data); err != nil {
			rows.Close()
			return 0, s.wrap(err, "compacting")
		}
		newer = append(newer, c)
	}
	rows.Close()
	snap, err := build(newer)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO chunks (draft_id, snapshot, data, written) VALUES (?, 1, ?, ?)`, id, snap, time.Now().UnixMilli())
	if err != nil {
		return 0, s.wrap(err, "compacting")
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, s.wrap(err, "compacting")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE draft_id = ? AND seq < ?`, id, seq); err != nil {
		return 0, s.wrap(err, "compacting")
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap(err, "compacting")
	}
	s.acknowledge(seq)
	// Giving freed pages back is housekeeping: the compaction is done.
	if _, err := s.db.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
		s.log.Warn("Could not shrink the data file", "file", s.path, "err", err)
	}
	return seq, nil
}

// ChunkCount returns how many chunks a draft has and their total size.
func (s *Store) ChunkCount(ctx context.Context, id string) (n int, size int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(data)), 0) FROM chunks WHERE draft_id = ?`, id).Scan(&n, &size)
	return n, size, s.wrap(err, "counting chunks")
}

// MaxSeq returns the highest chunk sequence number in the file. It grows
// whenever any process writes, so polling it is how a process notices
// another's edits.
func (s *Store) MaxSeq(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM chunks`).Scan(&n)
	return n, s.wrap(err, "polling")
}

const summaryCols = `id, title, template, year, sections, filled, created, updated, coalesce(deleted, 0)`

func scanSummary(sc interface{ Scan(...any) error }) (Summary, error) {
	var s Summary
	var created, updated, deleted int64
	if err := sc.Scan(&s.ID, &s.Title, &s.Template, &s.Year, &s.Sections, &s.Filled, &created, &updated, &deleted); err != nil {
		return s, err
	}
	s.Created, s.Updated = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	if deleted != 0 {
		s.Deleted = time.UnixMilli(deleted).UTC()
	}
	return s, nil
}

// List returns the drafts, most recently changed first. Deleted drafts
// are included only when withDeleted is set.
func (s *Store) List(ctx context.Context, withDeleted bool) ([]Summary, error) {
	q := `SELECT ` + summaryCols + ` FROM drafts`
	if !withDeleted {
		q += ` WHERE deleted IS NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY updated DESC, id`)
	if err != nil {
		return nil, s.wrap(err, "listing drafts")
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		sum, err := scanSummary(rows)
		if err != nil {
			return nil, s.wrap(err, "listing drafts")
		}
		out = append(out, sum)
	}
	return out, s.wrap(rows.Err(), "listing drafts")
}

// Draft returns one draft's summary.
func (s *Store) Draft(ctx context.Context, id string) (Summary, error) {
	sum, err := scanSummary(s.db.QueryRowContext(ctx, `SELECT `+summaryCols+` FROM drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return sum, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return sum, s.wrap(err, "reading draft")
}

// SetDeleted moves a draft to the trash (deleted=true) or back. Its
// document stays in the file.
func (s *Store) SetDeleted(ctx context.Context, id string, deleted bool) error {
	var v any
	if deleted {
		v = time.Now().UnixMilli()
	}
	res, err := s.db.ExecContext(ctx, `UPDATE drafts SET deleted = ? WHERE id = ?`, v, id)
	if err != nil {
		return s.wrap(err, "deleting draft")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return nil
}

// Setting returns a stored setting, or "" when unset.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, s.wrap(err, "reading settings")
}

// SetSettings stores several settings in one transaction.
func (s *Store) SetSettings(ctx context.Context, kv map[string]string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "saving settings")
	}
	defer tx.Rollback()
	for k, v := range kv {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return s.wrap(err, "saving settings")
		}
	}
	return s.wrap(tx.Commit(), "saving settings")
}

// LeaseActor gives the calling process (holder, a random token) a new
// actor id, newActor(), and records it. An actor id is never handed to a
// second process: the data dir may be a restored backup or a copy, and a
// peer may already hold changes made under an id this file last saw long
// ago; committing under it again would repeat sequence numbers the peers
// hold, and Automerge refuses the second change with that number for
// good. The person behind every actor is in each draft's participant
// registry. (stale is no longer used: nothing is reclaimed.)
func (s *Store) LeaseActor(ctx context.Context, holder string, stale time.Duration, newActor func() string) (string, error) {
	actor := newActor()
	_, err := s.db.ExecContext(ctx, `INSERT INTO actors (actor, holder, heartbeat) VALUES (?, ?, ?)`, actor, holder, time.Now().UnixMilli())
	return actor, s.wrap(err, "leasing actor")
}

// Heartbeat keeps holder's lease alive.
func (s *Store) Heartbeat(ctx context.Context, holder string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE actors SET heartbeat = ? WHERE holder = ?`, time.Now().UnixMilli(), holder)
	return s.wrap(err, "renewing actor lease")
}

// ReleaseActor frees holder's lease.
func (s *Store) ReleaseActor(ctx context.Context, holder string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE actors SET holder = '', heartbeat = 0 WHERE holder = ?`, holder)
	return s.wrap(err, "releasing actor lease")
}

// Quarantine moves a draft's chunks with the given sequence numbers to
// quarantined_chunks, in one transaction: a damaged chunk is kept, but no
// longer loaded. It returns how many moved.
func (s *Store) Quarantine(ctx context.Context, id string, seqs []int64) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap(err, "setting damaged data aside")
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	moved := 0
	for _, seq := range seqs {
		res, err := tx.ExecContext(ctx, `INSERT INTO quarantined_chunks (seq, draft_id, snapshot, data, written, quarantined)
			SELECT seq, draft_id, snapshot, data, written, ? FROM chunks WHERE draft_id = ? AND seq = ?`, now, id, seq)
		if err != nil {
			return 0, s.wrap(err, "setting damaged data aside")
		}
		n, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `DELETE FROM chunks WHERE draft_id = ? AND seq = ?`, id, seq); err != nil {
			return 0, s.wrap(err, "setting damaged data aside")
		}
		moved += int(n)
	}
	// The views were made from chunks that included the damaged ones.
	if _, err := tx.ExecContext(ctx, `DELETE FROM views WHERE draft_id = ?`, id); err != nil {
		return 0, s.wrap(err, "setting damaged data aside")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM version_views WHERE draft_id = ?`, id); err != nil {
		return 0, s.wrap(err, "setting damaged data aside")
	}
	return moved, s.wrap(tx.Commit(), "setting damaged data aside")
}
