package crdt

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"

	"github.com/automerge/automerge-go"
	"github.com/igf-bpf/bpfdraft/crdt/statement"
)

// Relay statements (statement.Relay) travel in the draft: a root list
// of encoded statements that anyone may append to (a statement proves
// itself) and from which RelayChain reads the chain that counts. The
// statements themselves, and their checks, are in package statement, which
// a relay uses without Automerge.

// RelayStatement is a relay statement (statement.Relay).
type RelayStatement = statement.Relay

// MaxStatementChain bounds the statements a registration carries.
const MaxStatementChain = statement.MaxChain

// ErrStatement is returned for a relay statement, or a chain of them,
// that does not verify.
var ErrStatement = statement.ErrRefused

// SignStatement signs s as the signer's person.
func (sg *Signer) SignStatement(s RelayStatement) RelayStatement {
	s.Signer = sg.cert
	s.Sig = ed25519.Sign(sg.key, s.SignedBytes())
	return s
}

// DecodeStatement reads what RelayStatement.Encode wrote.
func DecodeStatement(b []byte) (RelayStatement, error) { return statement.Decode(b) }

// CreatorOf returns the fingerprint of a draft's creator (statement.CreatorOf).
func CreatorOf(draftID string, genesis []byte, device Cert) (string, error) {
	return statement.CreatorOf(draftID, genesis, device)
}

// VerifyChain checks a chain of statements (statement.VerifyChain).
func VerifyChain(draftID, creator string, chain []RelayStatement) (RelayStatement, error) {
	return statement.VerifyChain(draftID, creator, chain)
}

// VerifyNext checks that next may follow prev (statement.VerifyNext).
func VerifyNext(draftID, creator string, prev *RelayStatement, next RelayStatement) error {
	return statement.VerifyNext(draftID, creator, prev, next)
}

// EncodeCert returns a certificate as a registration carries it.
func EncodeCert(c Cert) []byte { return statement.EncodeCert(c) }

// DecodeCert reads what EncodeCert wrote.
func DecodeCert(b []byte) (Cert, error) { return statement.DecodeCert(b) }

// Genesis returns the draft's first change, as a chunk (what CreatorOf
// reads), or nil for a draft made before signatures.
func (d *Doc) Genesis() ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	cs, err := d.am.Changes()
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if len(c.Dependencies()) == 0 && DraftIDOf(c.Hash().String()) == d.tr.id {
			return c.Save(), nil
		}
	}
	return nil, nil
}

// CreatorCert returns the certificate of the device that made the
// draft's first change, if this copy holds it.
func (d *Doc) CreatorCert() (Cert, bool) {
	g, err := d.Genesis()
	if err != nil || g == nil {
		return Cert{}, false
	}
	hs, err := changeHeaders(g)
	if err != nil || len(hs) != 1 {
		return Cert{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.tr.certs[hs[0].actor]
	return c, ok
}

// KindRelays is the kind of commit that adds a relay statement.
const KindRelays Kind = "rs"

// relaysList is the root list of relay statements: every one written or
// delivered, valid or not; RelayChain reads the chain that counts.
const relaysList = "relays"

// AddRelayStatement appends a statement to the draft, in a commit of its
// own kind. Anyone may append one (a statement proves itself); only a
// chain from the creator counts.
func (d *Doc) AddRelayStatement(s RelayStatement) error {
	root := d.am.RootMap()
	d.begin(KindRelays, "")
	v, err := root.Get(relaysList)
	if err != nil {
		return err
	}
	if v.Kind() != automerge.KindList {
		if err := root.Set(relaysList, automerge.NewList()); err != nil {
			return err
		}
		if v, err = root.Get(relaysList); err != nil {
			return err
		}
	}
	return v.List().Append(base64.StdEncoding.EncodeToString(s.Encode()))
}

// RelayChain returns the chain of relay statements that counts, from the
// creator's first: at each step, of the statements that may follow, the
// one with the smallest hash (two co-facilitators who changed the relays
// apart: every peer keeps the same one). Empty when the draft has none,
// or this copy cannot prove its creator (a draft made before signatures).
func (d *Doc) RelayChain() []RelayStatement {
	v, err := d.am.RootMap().Get(relaysList)
	if err != nil || v.Kind() != automerge.KindList {
		return nil
	}
	genesis, err := d.Genesis()
	cert, ok := d.CreatorCert()
	if err != nil || genesis == nil || !ok {
		return nil
	}
	creator, err := CreatorOf(d.tr.id, genesis, cert)
	if err != nil {
		return nil
	}
	vals, err := v.List().Values()
	if err != nil {
		return nil
	}
	var all []RelayStatement
	for _, x := range vals {
		if x.Kind() != automerge.KindStr {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(x.Str())
		if err != nil {
			continue
		}
		if s, err := DecodeStatement(raw); err == nil {
			all = append(all, s)
		}
	}
	var chain []RelayStatement
	var prev *RelayStatement
	for len(chain) < MaxStatementChain {
		var best *RelayStatement
		for i := range all {
			if VerifyNext(d.tr.id, creator, prev, all[i]) != nil {
				continue
			}
			if h := all[i].Hash(); best == nil || bytes.Compare(h[:], hashOf(best)) < 0 {
				best = &all[i]
			}
		}
		if best == nil {
			break
		}
		chain = append(chain, *best)
		prev = &chain[len(chain)-1]
	}
	return chain
}

func hashOf(s *RelayStatement) []byte {
	h := s.Hash()
	return h[:]
}
