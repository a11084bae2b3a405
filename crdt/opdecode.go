package crdt

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
)

// The ledger (ledger.go) needs every operation of a change, not only the
// counts textCounts reads: which object it touches, under which key or
// after which element, what it inserts and which ops it deletes. The op
// columns of a change chunk (spec = column id << 4 | type):
const (
	specObjActor = 0<<4 | ctActor
	specObjCtr   = 0<<4 | ctULEB
	specKeyStr   = 1<<4 | ctString
	specValRaw   = 5<<4 | ctRaw
)

// Op actions.
const (
	actionMakeMap   = 0
	actionMakeList  = 2
	actionMakeText  = 4
	actionMakeTable = 6
)

// Value metadata: the low four bits give the type, the rest the length.
const (
	valueFalse  = 1
	valueTrue   = 2
	valueString = 6
)

// changeOp is one decoded op. Actor numbers index the change's actor
// table: 0 is the change's own actor, 1.. its other actors.
type changeOp struct {
	ctr       uint64 // the op's counter: the change's start op plus its index
	objActor  int    // -1 for the root object
	objCtr    uint64
	keyActor  int // -1: the key is keyStr, or the head of a sequence
	keyCtr    uint64
	keyStr    string
	insert    bool
	action    uint64
	value     string // a string value; empty for other types
	valueType uint64 // the value's type (valueString, valueTrue, ...)
	predActor []int
	predCtr   []uint64
}

// decodedChange is a change's header and ops.
type decodedChange struct {
	actors  [][]byte // own actor first, then the others
	seq     uint64
	time    int64
	message string
	ops     []changeOp
}

// readChangeChunk returns the fields of a change chunk (type 1, or type 2
// deflated), with every deflated column inflated.
func readChangeChunk(raw []byte) (changeParts, error) {
	if err := checkChunks(raw); err != nil {
		return changeParts{}, err
	}
	return parseChangeChunk(raw)
}

// parseChangeChunk is readChangeChunk for a chunk checkChunks has already
// found whole and intact (its checksum is not computed again).
func parseChangeChunk(raw []byte) (changeParts, error) {
	n, w := uleb(raw[9:])
	body := raw[9+w : 9+w+int(n)]
	switch raw[8] {
	case 1:
	case 2:
		var err error
		if body, err = inflateLimited(body, len(body)); err != nil {
			return changeParts{}, fmt.Errorf("%w: compressed change: %v", ErrCorrupt, err)
		}
	default:
		return changeParts{}, fmt.Errorf("%w: not a change chunk (type %d)", ErrCorrupt, raw[8])
	}
	p, err := parseChangeBody(body)
	if err != nil {
		return p, err
	}
	deflated := false
	for _, c := range p.cols {
		deflated = deflated || c.spec&colDeflate != 0
	}
	if !deflated {
		return p, nil
	}
	var data []byte
	off := uint64(0)
	cols := make([]colMeta, len(p.cols))
	for i, c := range p.cols {
		d := p.data[off : off+c.length]
		off += c.length
		if c.spec&colDeflate != 0 {
			if d, err = inflateLimited(d, len(d)); err != nil {
				return p, fmt.Errorf("%w: column: %v", ErrCorrupt, err)
			}
		}
		cols[i] = colMeta{spec: c.spec &^ colDeflate, length: uint64(len(d))}
		data = append(data, d...)
	}
	p.cols, p.data = cols, data
	return p, nil
}

// inflateLimited inflates compressed bytes, refusing output beyond a
// generous multiple of the input: a hostile change cannot claim memory
// out of proportion to its size.
func inflateLimited(b []byte, inLen int) ([]byte, error) {
	limit := int64(inLen)*1032 + 1024 // deflate's own ceiling is about 1032:1
	out, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("expands beyond %d bytes", limit)
	}
	return out, nil
}

// decodeChange decodes a raw change (as Change.Save returns it).
func decodeChange(raw []byte) (decodedChange, error) {
	p, err := readChangeChunk(raw)
	if err != nil {
		return decodedChange{}, err
	}
	dc := decodedChange{seq: p.seq, time: p.time, message: string(p.message)}
	dc.actors = append([][]byte{p.actor}, p.others...)
	o, ok := readOpColumns(p)
	if !ok {
		return dc, fmt.Errorf("%w: change %d of its actor has op columns this version cannot read", ErrCorrupt, p.seq)
	}
	n := o.nOps
	col := func(spec uint64) []cell { return o.cells[spec] }
	at := func(cs []cell, i int) cell {
		if i < len(cs) {
			return cs[i]
		}
		return cell{null: true}
	}
	objActor, objCtr := col(specObjActor), col(specObjCtr)
	keyActor, keyCtr, keyStr := col(specKeyActor), col(specKeyCtr), col(specKeyStr)
	inserts, actions, metas := col(specInsert), col(specAction), col(specValMeta)
	predNum, predActor, predCtr := col(specPredGroup), col(specPredActor), col(specPredCtr)
	raws := o.raw[specValRaw]
	nActors := len(dc.actors)
	actorOf := func(c cell) (int, error) {
		if c.null {
			return -1, nil
		}
		if c.n < 0 || int(c.n) >= nActors {
			return 0, fmt.Errorf("%w: op names actor %d of %d", ErrCorrupt, c.n, nActors)
		}
		return int(c.n), nil
	}
	dc.ops = make([]changeOp, n)
	rawOff, predRow := 0, 0
	for i := 0; i < n; i++ {
		op := &dc.ops[i]
		op.ctr = p.startOp + uint64(i)
		if op.objActor, err = actorOf(at(objActor, i)); err != nil {
			return dc, err
		}
		op.objCtr = uint64(at(objCtr, i).n)
		if op.keyActor, err = actorOf(at(keyActor, i)); err != nil {
			return dc, err
		}
		if c := at(keyCtr, i); !c.null { // delta columns decode to absolute values
			op.keyCtr = uint64(c.n)
		}
		op.keyStr = at(keyStr, i).s
		op.insert = at(inserts, i).n == 1
		op.action = uint64(at(actions, i).n)
		if m := at(metas, i); !m.null {
			size := int(uint64(m.n) >> 4)
			if size < 0 || rawOff+size > len(raws) {
				return dc, fmt.Errorf("%w: op value runs past its column", ErrCorrupt)
			}
			op.valueType = uint64(m.n) & 15
			if op.valueType == valueString {
				op.value = string(raws[rawOff : rawOff+size])
			}
			rawOff += size
		}
		g := 0
		if c := at(predNum, i); !c.null {
			g = int(c.n)
		}
		if g < 0 || predRow+g > len(predActor) || predRow+g > len(predCtr) {
			return dc, fmt.Errorf("%w: op names more predecessors than its change holds", ErrCorrupt)
		}
		for k := 0; k < g; k++ {
			a, err := actorOf(predActor[predRow+k])
			if err != nil || a < 0 {
				return dc, fmt.Errorf("%w: predecessor without an actor", ErrCorrupt)
			}
			op.predActor = append(op.predActor, a)
			op.predCtr = append(op.predCtr, uint64(predCtr[predRow+k].n))
		}
		predRow += g
	}
	return dc, nil
}
