package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
)

// ErrStale says a draft has no stored view, or that chunks were written
// after it was made: the reader must load the document.
var ErrStale = errors.New("no current view")

// View returns the view stored for a draft, and the chunk it reflects,
// if no chunk was written (or set aside) since it was made.
func (s *Store) View(ctx context.Context, id string) (data []byte, seq int64, err error) {
	if s.noViews {
		return nil, 0, ErrStale
	}
	var newest sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT v.data, v.seq, (SELECT max(c.seq) FROM chunks c WHERE c.draft_id = v.draft_id)
		FROM views v WHERE v.draft_id = ?`, id).Scan(&data, &seq, &newest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrStale
	}
	if err != nil {
		return nil, 0, s.wrap(err, "reading draft")
	}
	if !newest.Valid || newest.Int64 != seq {
		return nil, 0, ErrStale
	}
	return data, seq, nil
}

// ViewSeq returns the chunk the draft's stored view was made from, 0 if
// it has none: a session that loaded nothing newer need not store it again.
func (s *Store) ViewSeq(ctx context.Context, id string) (int64, error) {
	if s.noViews {
		return 0, nil
	}
	var seq int64
	err := s.db.QueryRowContext(ctx, `SELECT seq FROM views WHERE draft_id = ?`, id).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, s.wrap(err, "reading draft")
}

// DropView deletes a draft's stored view (one that could not be read).
func (s *Store) DropView(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM views WHERE draft_id = ?`, id)
	return s.wrap(err, "dropping a stored view")
}

// SetView stores a view of a draft made from every chunk up to seq. It
// stores nothing, and says so, when seq is no longer the draft's newest
// chunk: another process wrote meanwhile, and the view would hide it.
func (s *Store) SetView(ctx context.Context, id string, seq int64, data []byte) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO views (draft_id, seq, data)
		SELECT ?, ?, ? WHERE (SELECT max(seq) FROM chunks WHERE draft_id = ?) = ?
		ON CONFLICT (draft_id) DO UPDATE SET seq = excluded.seq, data = excluded.data`, id, seq, data, id, seq)
	if err != nil {
		return false, s.wrap(err, "keeping a view of the draft")
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
