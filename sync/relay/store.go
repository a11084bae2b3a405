package relay

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Store is the relay's SQLite file: per draft, the public half of its
// access key and who registered it, and its sealed blobs in order. It
// holds nothing a peer could read a draft with.
type Store struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS drafts (
	id         TEXT PRIMARY KEY,
	access     BLOB NOT NULL,   -- ed25519 public key (draftkey.Keys.AccessKey), from the newest statement
	registrant TEXT NOT NULL,   -- fingerprint of the draft's creator, whose quota it counts against
	creator    TEXT NOT NULL DEFAULT '',
	statement  BLOB,            -- the newest relay statement (statement.Relay.Encode)
	version    INTEGER NOT NULL DEFAULT 0,
	created    INTEGER NOT NULL,
	tip        INTEGER NOT NULL DEFAULT 0, -- place of the newest blob
	base       INTEGER NOT NULL DEFAULT 0, -- place the snapshot stands for (0: none)
	bytes      INTEGER NOT NULL DEFAULT 0  -- of its blobs and snapshot
);
CREATE INDEX IF NOT EXISTS drafts_registrant ON drafts(registrant);
CREATE TABLE IF NOT EXISTS blobs (
	draft_id TEXT NOT NULL,
	place    INTEGER NOT NULL,
	kind     INTEGER NOT NULL, -- blobwire.KindBlob or KindSnapshot
	data     BLOB NOT NULL,
	PRIMARY KEY (draft_id, place, kind)
) WITHOUT ROWID;
`

// OpenStore opens (or creates) the store in dir. The relay holds nothing
// that reads a draft, but which drafts it holds, their sizes and who
// registered them are still its operator's alone: the directory is made
// 0700 and the file 0600 (SQLite gives its log and index the file's
// mode), and looser modes left by an earlier version are tightened.
func OpenStore(dir string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "relay.db")
	var was []string
	for _, name := range []string{dir, path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(name, fi.Mode().Perm()&^0o077); err != nil {
			log.Warn("Could not make the relay's data directory private", "path", name, "err", err)
			continue
		}
		was = append(was, fmt.Sprintf("%s %04o", filepath.Base(name), fi.Mode().Perm()))
	}
	if len(was) > 0 {
		log.Info("Made the data directory readable by its owner only", "dir", dir, "was", strings.Join(was, ", "))
	}
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("opening the relay's store: %w", err)
	} else {
		f.Close()
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("the relay's store %s cannot be used (%v); move it aside to start empty: peers upload their drafts again", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

// Draft is one registered draft.
type Draft struct {
	Access     ed25519.PublicKey
	Registrant string
	Creator    string
	Statement  []byte
	Version    uint64
	Tip, Base  uint64
	Bytes      int64
}

// ErrNoDraft is returned for a draft the relay does not hold.
var ErrNoDraft = errors.New("no such draft")

// Draft returns a registered draft, or ErrNoDraft.
func (s *Store) Draft(ctx context.Context, id string) (Draft, error) {
	var d Draft
	err := s.db.QueryRowContext(ctx, `SELECT access, registrant, creator, statement, version, tip, base, bytes FROM drafts WHERE id = ?`, id).
		Scan(&d.Access, &d.Registrant, &d.Creator, &d.Statement, &d.Version, &d.Tip, &d.Base, &d.Bytes)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNoDraft
	}
	return d, err
}

// Register stores a new draft, or the newest statement of one. A new
// access key drops the blobs sealed under the old secret's keys: they are
// of no use to the new secret's holders and must not reach them; the
// draft starts over empty, for its peers to fill again.
func (s *Store) Register(ctx context.Context, id string, d Draft) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var old []byte
	err = tx.QueryRowContext(ctx, `SELECT access FROM drafts WHERE id = ?`, id).Scan(&old)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = tx.ExecContext(ctx, `INSERT INTO drafts (id, access, registrant, creator, statement, version, created) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, []byte(d.Access), d.Registrant, d.Creator, d.Statement, d.Version, time.Now().Unix())
	case err != nil:
	case !ed25519.PublicKey(old).Equal(d.Access):
		if _, err = tx.ExecContext(ctx, `DELETE FROM blobs WHERE draft_id = ?`, id); err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE drafts SET access = ?, statement = ?, version = ?, tip = 0, base = 0, bytes = 0 WHERE id = ?`,
				[]byte(d.Access), d.Statement, d.Version, id)
		}
	default:
		_, err = tx.ExecContext(ctx, `UPDATE drafts SET statement = ?, version = ? WHERE id = ?`, d.Statement, d.Version, id)
	}
	if err != nil {
		return err
	}
	return tx.Commit()
}

// Registrations counts the drafts a peer registered, and their bytes.
func (s *Store) Registrations(ctx context.Context, peer string) (n int, bytes int64, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(bytes), 0) FROM drafts WHERE registrant = ?`, peer).Scan(&n, &bytes)
	return n, bytes, err
}

// TotalBytes is what all drafts' blobs take.
func (s *Store) TotalBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(sum(bytes), 0) FROM drafts`).Scan(&n)
	return n, err
}

// Stored is one blob or snapshot as kept.
type Stored struct {
	Place uint64
	Kind  byte
	Data  []byte
}

// Read returns what a peer that has read up to after needs next, up to
// about limit bytes (at least one record): the snapshot when after is
// before it, then the blobs that follow.
func (s *Store) Read(ctx context.Context, id string, after uint64, limit int) ([]Stored, error) {
	d, err := s.Draft(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Stored
	size := 0
	if d.Base > 0 && after < d.Base {
		var data []byte
		if err := s.db.QueryRowContext(ctx, `SELECT data FROM blobs WHERE draft_id = ? AND place = ? AND kind = 1`, id, d.Base).Scan(&data); err != nil {
			return nil, fmt.Errorf("reading the snapshot of %s: %w", id, err)
		}
		out = append(out, Stored{Place: d.Base, Kind: 1, Data: data})
		size += len(data)
		after = d.Base
	}
	rows, err := s.db.QueryContext(ctx, `SELECT place, data FROM blobs WHERE draft_id = ? AND kind = 0 AND place > ? ORDER BY place`, id, after)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() && (size < limit || len(out) == 0) {
		var b Stored
		if err := rows.Scan(&b.Place, &b.Data); err != nil {
			return nil, err
		}
		out = append(out, b)
		size += len(b.Data)
	}
	return out, rows.Err()
}

// ErrBehind is returned when a place is already taken, or a snapshot
// stands for no more than the one kept.
var ErrBehind = errors.New("place taken")

// Append stores a blob at place, which must follow the draft's newest,
// and returns the new tip.
func (s *Store) Append(ctx context.Context, id string, place uint64, data []byte) (uint64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var tip uint64
	if err := tx.QueryRowContext(ctx, `SELECT tip FROM drafts WHERE id = ?`, id).Scan(&tip); err != nil {
		return 0, err
	}
	if place != tip+1 {
		return tip, ErrBehind
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (draft_id, place, kind, data) VALUES (?, ?, 0, ?)`, id, place, data); err != nil {
		return tip, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE drafts SET tip = ?, bytes = bytes + ? WHERE id = ?`, place, len(data), id); err != nil {
		return tip, err
	}
	return place, tx.Commit()
}

// Compact keeps a snapshot standing for the blobs up to place and drops
// them (and the snapshot before), returning the bytes the draft takes
// after. The blobs after place stay.
func (s *Store) Compact(ctx context.Context, id string, place uint64, data []byte) (before, after int64, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	var tip, base uint64
	if err := tx.QueryRowContext(ctx, `SELECT tip, base, bytes FROM drafts WHERE id = ?`, id).Scan(&tip, &base, &before); err != nil {
		return 0, 0, err
	}
	if place <= base || place > tip {
		return before, before, ErrBehind
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM blobs WHERE draft_id = ? AND place <= ?`, id, place); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO blobs (draft_id, place, kind, data) VALUES (?, ?, 1, ?)`, id, place, data); err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(sum(length(data)), 0) FROM blobs WHERE draft_id = ?`, id).Scan(&after); err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE drafts SET base = ?, bytes = ? WHERE id = ?`, place, after, id); err != nil {
		return 0, 0, err
	}
	return before, after, tx.Commit()
}
