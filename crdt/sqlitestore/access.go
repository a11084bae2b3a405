package sqlitestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Access is a draft's sync secret and the relays to reach it through.
type Access struct {
	DraftID string
	Secret  []byte
	Relays  []string
	Created time.Time
	Held    bool // some of the draft is stored (set by AllAccess only)
}

// SetAccess stores or replaces a draft's access. A secret it replaces is
// remembered (SecretReplaced), in the same transaction.
func (s *Store) SetAccess(ctx context.Context, a Access) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap(err, "saving draft access")
	}
	defer tx.Rollback()
	var old []byte
	err = tx.QueryRowContext(ctx, `SELECT secret FROM access WHERE draft_id = ?`, a.DraftID).Scan(&old)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return s.wrap(err, "saving draft access")
	}
	if old != nil && !bytes.Equal(old, a.Secret) {
		sum := sha256.Sum256(old)
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO replaced_secrets (draft_id, secret_hash, replaced) VALUES (?, ?, ?)`,
			a.DraftID, sum[:], a.Created.UnixMilli()); err != nil {
			return s.wrap(err, "saving draft access")
		}
	}
	// The tag column (migration 06) indexed a stable offer tag; offers
	// are bound to their connection now, and it stays empty.
	if _, err := tx.ExecContext(ctx, `INSERT INTO access (draft_id, secret, relays, created) VALUES (?, ?, ?, ?)
		ON CONFLICT (draft_id) DO UPDATE SET secret = excluded.secret, relays = excluded.relays, created = excluded.created, tag = NULL`,
		a.DraftID, a.Secret, strings.Join(a.Relays, "\n"), a.Created.UnixMilli()); err != nil {
		return s.wrap(err, "saving draft access")
	}
	return s.wrap(tx.Commit(), "saving draft access")
}

// SecretReplaced reports whether a draft was synced with secret before
// its access was replaced.
func (s *Store) SecretReplaced(ctx context.Context, draftID string, secret []byte) (bool, error) {
	sum := sha256.Sum256(secret)
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM replaced_secrets WHERE draft_id = ? AND secret_hash = ?`, draftID, sum[:]).Scan(&n)
	return n > 0, s.wrap(err, "reading replaced secrets")
}

// Access returns one draft's access, or ErrNotFound.
func (s *Store) Access(ctx context.Context, draftID string) (Access, error) {
	a, err := scanAccess(s.db.QueryRowContext(ctx, `SELECT draft_id, secret, relays, created FROM access WHERE draft_id = ?`, draftID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("%w: no access to %s", ErrNotFound, draftID)
	}
	return a, s.wrap(err, "reading draft access")
}

// AllAccess returns the access of every draft that is not in the trash,
// including drafts joined but not yet received.
func (s *Store) AllAccess(ctx context.Context) ([]Access, error) {
	// Held (whether any chunk is stored) in the same query: a serve peer
	// lists every draft at every session's start.
	rows, err := s.db.QueryContext(ctx, `SELECT a.draft_id, a.secret, a.relays, a.created,
		EXISTS (SELECT 1 FROM chunks c WHERE c.draft_id = a.draft_id) FROM access a
		LEFT JOIN drafts d ON d.id = a.draft_id WHERE d.deleted IS NULL ORDER BY a.draft_id`)
	if err != nil {
		return nil, s.wrap(err, "listing draft access")
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var held bool
		a, err := scanAccess(rows, &held)
		if err != nil {
			return nil, s.wrap(err, "listing draft access")
		}
		a.Held = held
		out = append(out, a)
	}
	return out, s.wrap(rows.Err(), "listing draft access")
}

func scanAccess(sc interface{ Scan(...any) error }, more ...any) (Access, error) {
	var a Access
	var relays string
	var created int64
	if err := sc.Scan(append([]any{&a.DraftID, &a.Secret, &relays, &created}, more...)...); err != nil {
		return a, err
	}
	if relays != "" {
		a.Relays = strings.Split(relays, "\n")
	}
	a.Created = time.UnixMilli(created).UTC()
	return a, nil
}

// SyncState returns the saved sync state of (peer, draft), or nil.
func (s *Store) SyncState(ctx context.Context, peer, draftID string) ([]byte, error) {
	var st []byte
	err := s.db.QueryRowContext(ctx, `SELECT state FROM sync_states WHERE peer = ? AND draft_id = ?`, peer, draftID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return st, s.wrap(err, "reading sync state")
}

// PeerState is a saved sync state and when it was saved.
type PeerState struct {
	Peer    string
	State   []byte
	Updated time.Time
}

// SyncStates returns the saved sync state of every peer a draft was
// synced with.
func (s *Store) SyncStates(ctx context.Context, draftID string) ([]PeerState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT peer, state, updated FROM sync_states WHERE draft_id = ? ORDER BY peer`, draftID)
	if err != nil {
		return nil, s.wrap(err, "reading sync states")
	}
	defer rows.Close()
	var out []PeerState
	for rows.Next() {
		var p PeerState
		var ms int64
		if err := rows.Scan(&p.Peer, &p.State, &ms); err != nil {
			return nil, s.wrap(err, "reading sync states")
		}
		p.Updated = time.UnixMilli(ms)
		out = append(out, p)
	}
	return out, s.wrap(rows.Err(), "reading sync states")
}

// SetSyncState saves the sync state of (peer, draft).
func (s *Store) SetSyncState(ctx context.Context, peer, draftID string, state []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sync_states (peer, draft_id, state, updated) VALUES (?, ?, ?, ?)
		ON CONFLICT (peer, draft_id) DO UPDATE SET state = excluded.state, updated = excluded.updated`,
		peer, draftID, state, time.Now().UnixMilli())
	return s.wrap(err, "saving sync state")
}
