package wire

import (
	"context"
	"errors"
)

// What a sync session reports, shared by the engine that runs sessions
// (package sync) and the network layer that carries them (sync/p2p),
// which does not depend on the engine: a relay links the network layer
// only, and so never links Automerge.

// Stats says what moved on one connection.
type Stats struct {
	BytesIn, BytesOut     int64
	ChangesIn, ChangesOut int
	Drafts                []string // drafts both sides proved access to
	// Failed names the drafts this session stopped syncing, and why (one
	// side refused changes: a quota, a damaged change); the others went on.
	Failed map[string]string
	// PreviewFrames and PreviewBytes count the typing previews sent (the
	// bytes on the wire, framing included; also in BytesOut).
	PreviewFrames int
	PreviewBytes  int64
}

// ErrReopen says a session delivered statements a relay had missed and
// should be opened again at once, now that the relay holds them.
var ErrReopen = errors.New("the relay took the draft's newest statement; opening it again")

type handshakeDoneKey struct{}

// WithHandshakeDone returns a context that makes a session call done once
// the peer has proved access to a draft (or the session ends first): a
// relay counts sessions that have not yet proved anything against tighter
// limits than those that have.
func WithHandshakeDone(ctx context.Context, done func()) context.Context {
	return context.WithValue(ctx, handshakeDoneKey{}, done)
}

// HandshakeDone returns the function WithHandshakeDone put in ctx.
func HandshakeDone(ctx context.Context) (func(), bool) {
	f, ok := ctx.Value(handshakeDoneKey{}).(func())
	return f, ok
}
