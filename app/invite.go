package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt/sqlitestore"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// ErrBadInvite is returned for an invite code that cannot be read.
var ErrBadInvite = errors.New("not a valid invite code")

// Invite is what a participant needs to join a draft: its id, the secret
// that proves access, and relays through which to reach the others.
type Invite struct {
	DraftID string
	Secret  []byte
	Relays  []string
}

const (
	invitePrefix  = "BPF1"
	inviteVersion = 1
)

var inviteEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Code renders the invite as one line of letters and digits, safe to copy
// into an e-mail or chat: a prefix, then base32 of (version, draft id,
// secret, relays) followed by a 4-byte checksum that catches a truncated
// or mistyped code.
func (in Invite) Code() string {
	b := []byte{inviteVersion}
	b = appendString(b, in.DraftID)
	b = append(b, in.Secret...)
	b = binary.AppendUvarint(b, uint64(len(in.Relays)))
	for _, r := range in.Relays {
		b = appendString(b, r)
	}
	sum := sha256.Sum256(b)
	return invitePrefix + inviteEncoding.EncodeToString(append(b, sum[:4]...))
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// ParseInvite reads a code made by Invite.Code. Spaces, line breaks and
// dashes that mail programs add are ignored, and so is letter case.
func ParseInvite(code string) (Invite, error) {
	var in Invite
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t', '-', '>':
			return -1
		}
		return r
	}, strings.ToUpper(code))
	if !strings.HasPrefix(clean, invitePrefix) {
		return in, fmt.Errorf("%w: it should start with %q; paste the whole code from the invitation", ErrBadInvite, invitePrefix)
	}
	raw, err := inviteEncoding.DecodeString(clean[len(invitePrefix):])
	if err != nil || len(raw) < 5 {
		return in, fmt.Errorf("%w: it contains characters an invite never has; copy it again", ErrBadInvite)
	}
	body, sum := raw[:len(raw)-4], raw[len(raw)-4:]
	want := sha256.Sum256(body)
	if !bytes.Equal(sum, want[:4]) {
		return in, fmt.Errorf("%w: it is incomplete or mistyped (checksum mismatch); copy the whole code again", ErrBadInvite)
	}
	if body[0] != inviteVersion {
		return in, fmt.Errorf("%w: it was made by a newer BPF Draft (version %d); update to join", ErrBadInvite, body[0])
	}
	r := bytes.NewReader(body[1:])
	readString := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(r.Len()) {
			return "", fmt.Errorf("%w: damaged", ErrBadInvite)
		}
		b := make([]byte, n)
		r.Read(b)
		return string(b), nil
	}
	if in.DraftID, err = readString(); err != nil {
		return in, err
	}
	in.Secret = make([]byte, docsync.SecretSize)
	if n, _ := r.Read(in.Secret); n != docsync.SecretSize {
		return in, fmt.Errorf("%w: damaged", ErrBadInvite)
	}
	count, err := binary.ReadUvarint(r)
	if err != nil || count > 64 {
		return in, fmt.Errorf("%w: damaged", ErrBadInvite)
	}
	for i := uint64(0); i < count; i++ {
		s, err := readString()
		if err != nil {
			return in, err
		}
		in.Relays = append(in.Relays, s)
	}
	return in, nil
}

// Invite returns the invite for a draft, creating its secret the first
// time. relays, when not nil, replace the relays the invite names.
// newSecret, when not nil, replaces the secret (a rotation): peers holding
// only the old one can no longer prove access, so they receive no new
// changes; what they already have stays with them.
func (w *Workspace) Invite(ctx context.Context, draftID string, relays []string, newSecret []byte) (Invite, error) {
	if _, err := w.store.Draft(ctx, draftID); err != nil {
		return Invite{}, err
	}
	if newSecret != nil && len(newSecret) != docsync.SecretSize {
		return Invite{}, fmt.Errorf("a draft secret has %d bytes", docsync.SecretSize)
	}
	a, err := w.store.Access(ctx, draftID)
	switch {
	case errors.Is(err, sqlitestore.ErrNotFound):
		a = sqlitestore.Access{DraftID: draftID, Secret: docsync.NewSecret(), Created: time.Now()}
	case err != nil:
		return Invite{}, err
	}
	if newSecret != nil {
		a.Secret, a.Created = newSecret, time.Now()
	}
	if relays != nil {
		a.Relays = relays
	}
	if err := w.store.SetAccess(ctx, a); err != nil {
		return Invite{}, err
	}
	return Invite{DraftID: draftID, Secret: a.Secret, Relays: a.Relays}, nil
}

// ErrJoinConflict is returned when an invite code would change where a
// draft already here is synced (another secret, and with it other
// relays). A crafted code naming a draft's id could otherwise send the
// whole draft to someone else's relay.
var ErrJoinConflict = errors.New("this draft is already here, synced with another invite code")

// ErrOutdatedInvite is returned for a code whose secret was replaced.
var ErrOutdatedInvite = errors.New("this invite code was replaced by a newer one")

// Join records an invite: the draft is fetched by the next sync. A code
// for a draft already here may add relays when it carries the same
// secret; one with another secret is refused (ErrJoinConflict) unless
// JoinReplacing is asked for, and one whose secret was replaced before
// is always refused.
func (w *Workspace) Join(ctx context.Context, code string) (Invite, error) {
	return w.join(ctx, code, false)
}

// JoinReplacing is Join for a draft already here whose owner gave a new
// code: the person has agreed that the draft now syncs with it.
func (w *Workspace) JoinReplacing(ctx context.Context, code string) (Invite, error) {
	return w.join(ctx, code, true)
}

// JoinAddingRelays is Join for a draft already here whose code names a
// relay its co-facilitators do not list (ErrUnlistedRelay): the person
// has agreed to receive the draft's changes through it too. Nothing of
// the draft is sent to it until a co-facilitator lists it.
func (w *Workspace) JoinAddingRelays(ctx context.Context, code string) (Invite, error) {
	return w.joinWith(ctx, code, false, true)
}

func (w *Workspace) join(ctx context.Context, code string, replace bool) (Invite, error) {
	return w.joinWith(ctx, code, replace, false)
}

func (w *Workspace) joinWith(ctx context.Context, code string, replace, addRelays bool) (Invite, error) {
	in, err := ParseInvite(code)
	if err != nil {
		return in, err
	}
	replaced, err := w.store.SecretReplaced(ctx, in.DraftID, in.Secret)
	if err != nil {
		return in, err
	}
	if replaced {
		return in, fmt.Errorf("%w: ask the draft's owner for the current one", ErrOutdatedInvite)
	}
	if !addRelays {
		// A code can name any relay; a relay a draft here does not list
		// could be anyone's, the attacker's included.
		unlisted, err := w.unlistedRelays(ctx, in.DraftID, in.Relays)
		if err != nil {
			return in, err
		}
		if len(unlisted) > 0 {
			return in, fmt.Errorf("%w: %s. Its co-facilitators list the draft's relays; if one of them gave you this code for a new relay, join again and confirm (`bpfdraft join CODE --add-relay`): you will receive changes through it, and nothing you write goes to it until they list it", ErrUnlistedRelay, strings.Join(unlisted, ", "))
		}
	}
	cur, err := w.store.Access(ctx, in.DraftID)
	switch {
	case errors.Is(err, sqlitestore.ErrNotFound):
		// Access is new here; the draft may be, or came in a file.
		if _, derr := w.store.Draft(ctx, in.DraftID); derr == nil && !replace {
			return in, w.joinConflict(ctx, in.DraftID)
		}
	case err != nil:
		return in, err
	case bytes.Equal(cur.Secret, in.Secret):
		// The same draft, the same secret: the code may name more relays.
		relays := cur.Relays
		for _, r := range in.Relays {
			if !containsString(relays, r) {
				relays = append(relays, r)
			}
		}
		in.Relays = relays
	case !replace:
		return in, w.joinConflict(ctx, in.DraftID)
	}
	err = w.store.SetAccess(ctx, sqlitestore.Access{DraftID: in.DraftID, Secret: in.Secret, Relays: in.Relays, Created: time.Now()})
	return in, err
}

func (w *Workspace) joinConflict(ctx context.Context, draftID string) error {
	title := draftID
	if d, err := w.store.Draft(ctx, draftID); err == nil && d.Title != "" {
		title = fmt.Sprintf("“%s” (%s)", d.Title, draftID)
	}
	return fmt.Errorf("%w: %s. Joining with this code would send it to other relays; if its owner gave you a new code, join again and confirm (`bpfdraft join CODE --replace`)", ErrJoinConflict, title)
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Access returns the sync access of every draft, joined or invited.
func (w *Workspace) Access(ctx context.Context) ([]sqlitestore.Access, error) {
	return w.store.AllAccess(ctx)
}

// DraftSecret returns the secret a draft is synced with here, or nil.
func (w *Workspace) DraftSecret(ctx context.Context, draftID string) ([]byte, error) {
	a, err := w.store.Access(ctx, draftID)
	if errors.Is(err, sqlitestore.ErrNotFound) {
		return nil, nil
	}
	return a.Secret, err
}

// Relays returns the relays a draft's invite names here.
func (w *Workspace) Relays(ctx context.Context, draftID string) ([]string, error) {
	a, err := w.store.Access(ctx, draftID)
	if errors.Is(err, sqlitestore.ErrNotFound) {
		return nil, nil
	}
	return a.Relays, err
}

// Awaiting lists drafts joined by invite that no sync has brought yet.
func (w *Workspace) Awaiting(ctx context.Context) ([]string, error) {
	all, err := w.store.AllAccess(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range all {
		if _, err := w.store.Draft(ctx, a.DraftID); errors.Is(err, sqlitestore.ErrNotFound) {
			out = append(out, a.DraftID)
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// LastSynced returns when a peer last agreed with this machine on a
// draft (zero if never), from the saved sync states: cheap enough for a
// list of drafts, with no document to load.
func (w *Workspace) LastSynced(ctx context.Context, draftID string) (time.Time, error) {
	states, err := w.store.SyncStates(ctx, draftID)
	var last time.Time
	for _, s := range states {
		if s.Updated.After(last) {
			last = s.Updated
		}
	}
	return last, err
}
