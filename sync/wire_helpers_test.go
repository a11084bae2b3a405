package docsync

import (
	"io"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

func newWireConn(rw io.ReadWriter) *wire.Conn { return wire.NewConn(rw, 0) }

func frameOf(t wire.Type, p []byte) wire.Frame { return wire.Frame{Type: t, Payload: p} }
