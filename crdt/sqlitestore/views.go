package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
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

// VersionView returns the view stored of a named version of a draft, if
// one was stored for exactly these heads.
func (s *Store) VersionView(ctx context.Context, id, version string, heads []string) ([]byte, error) {
	if s.noVersionViews {
		return nil, ErrStale
	}
	var data []byte
	err := s.db.QueryRowContext(ctx, `SELECT data FROM version_views WHERE draft_id = ? AND version_id = ? AND heads = ?`,
		id, version, headsKey(heads)).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrStale
	}
	return data, s.wrap(err, "reading a version of the draft")
}

// VersionsWithViews lists the versions of a draft that have a stored view.
func (s *Store) VersionsWithViews(ctx context.Context, id string) (map[string]bool, error) {
	out := map[string]bool{}
	if s.noVersionViews {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT version_id FROM version_views WHERE draft_id = ?`, id)
	if err != nil {
		return nil, s.wrap(err, "reading the versions of the draft")
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, s.wrap(err, "reading the versions of the draft")
		}
		out[v] = true
	}
	return out, s.wrap(rows.Err(), "reading the versions of the draft")
}

// SetVersionView stores the view of a named version of a draft.
func (s *Store) SetVersionView(ctx context.Context, id, version string, heads []string, data []byte) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO version_views (draft_id, version_id, heads, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (draft_id, version_id) DO UPDATE SET heads = excluded.heads, data = excluded.data`, id, version, headsKey(heads), data)
	return s.wrap(err, "keeping a view of a version")
}

// DropVersionView deletes a version's stored view (one that could not be read).
func (s *Store) DropVersionView(ctx context.Context, id, version string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM version_views WHERE draft_id = ? AND version_id = ?`, id, version)
	return s.wrap(err, "dropping a stored view")
}

func headsKey(heads []string) string {
	hs := slices.Clone(heads)
	slices.Sort(hs)
	return strings.Join(hs, ",")
}
