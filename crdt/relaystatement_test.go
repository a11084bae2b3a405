package crdt

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
)

// TestRelayStatementChain: the creator signs the first statement; the
// next is signed by someone the one before lists; anyone else (a
// co-author holding the secret), a statement out of order, and one
// altered after signing are refused; and only the draft's real first
// change proves who its creator is.
func TestRelayStatementChain(t *testing.T) {
	owner, joiner, ownerKey, joinerKey := signedDraft(t)
	id := owner.DraftID()
	genesis, err := owner.Genesis()
	if err != nil || genesis == nil {
		t.Fatalf("genesis: %v", err)
	}
	cert, ok := joiner.CreatorCert()
	if !ok {
		t.Fatal("the joiner's copy does not hold the creator's certificate")
	}
	creator, err := CreatorOf(id, genesis, cert)
	if err != nil || creator != Fingerprint(ownerKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("creator %q, %v", creator, err)
	}
	joinerSigner, ownerSigner := NewSigner(joinerKey), NewSigner(ownerKey)
	if _, err := CreatorOf(id, genesis, joinerSigner.Cert()); !errors.Is(err, ErrStatement) {
		t.Errorf("another device's certificate passed for the creator's: %v", err)
	}
	if other, _ := joiner.Genesis(); other != nil && !bytes.Equal(other, genesis) {
		t.Error("two copies give different first changes")
	}
	key := func(b byte) ed25519.PublicKey { return bytes.Repeat([]byte{b}, 32) }
	v1 := ownerSigner.SignStatement(RelayStatement{DraftID: id, Version: 1, Access: key(1), Relays: []string{"/ip4/203.0.113.7/tcp/4001/p2p/R1"},
		Admins: []string{creator, joinerSigner.PersonID()}})
	v2 := joinerSigner.SignStatement(RelayStatement{DraftID: id, Version: 2, Prev: v1.Hash(), Access: key(2), Relays: v1.Relays, Admins: []string{creator}})
	v3 := joinerSigner.SignStatement(RelayStatement{DraftID: id, Version: 3, Prev: v2.Hash(), Access: key(3), Relays: v1.Relays, Admins: []string{creator}})
	last, err := VerifyChain(id, creator, []RelayStatement{v1, v2})
	if err != nil || last.Version != 2 {
		t.Fatalf("a good chain: %v", err)
	}
	altered := v2
	altered.Access = key(9)
	for name, chain := range map[string][]RelayStatement{
		"signed by someone the last one no longer lists": {v1, v2, v3},
		"the first not by the creator":                   {joinerSigner.SignStatement(RelayStatement{DraftID: id, Version: 1, Access: key(1)})},
		"out of order":                                   {v1, v3},
		"altered after signing":                          {v1, altered},
		"of another draft":                               {ownerSigner.SignStatement(RelayStatement{DraftID: "someotherdraftid0000", Version: 1, Access: key(1)})},
		"empty":                                          {},
	} {
		if _, err := VerifyChain(id, creator, chain); !errors.Is(err, ErrStatement) {
			t.Errorf("%s: %v", name, err)
		}
	}
	back, err := DecodeStatement(v2.Encode())
	if err != nil || back.Hash() != v2.Hash() {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := DecodeStatement(append(v2.Encode(), 0)); !errors.Is(err, ErrStatement) {
		t.Errorf("trailing bytes: %v", err)
	}
	for i := 1; i < len(v2.Encode()); i += 7 {
		if _, err := DecodeStatement(v2.Encode()[:i]); !errors.Is(err, ErrStatement) {
			t.Fatalf("cut at %d: %v", i, err)
		}
	}
}

// TestRelayChainInTheDraft: statements travel in the draft; two
// co-facilitators who changed the relays apart leave both statements in
// it, and every copy reads the same chain; a statement by a co-author the
// chain does not list is there but does not count.
func TestRelayChainInTheDraft(t *testing.T) {
	owner, joiner, ownerKey, joinerKey := signedDraft(t)
	id := owner.DraftID()
	ownerSigner, joinerSigner := NewSigner(ownerKey), NewSigner(joinerKey)
	creator := ownerSigner.PersonID()
	key := func(b byte) ed25519.PublicKey { return bytes.Repeat([]byte{b}, 32) }
	v1 := ownerSigner.SignStatement(RelayStatement{DraftID: id, Version: 1, Access: key(1), Admins: []string{creator, joinerSigner.PersonID()}})
	if err := owner.AddRelayStatement(v1); err != nil {
		t.Fatal(err)
	}
	commit(t, owner)
	send(t, owner, joiner)
	a := ownerSigner.SignStatement(RelayStatement{DraftID: id, Version: 2, Prev: v1.Hash(), Access: key(2), Admins: []string{creator}})
	b := joinerSigner.SignStatement(RelayStatement{DraftID: id, Version: 2, Prev: v1.Hash(), Access: key(3), Admins: []string{creator}})
	// The joiner is no longer an admin after either: its next is refused.
	c := joinerSigner.SignStatement(RelayStatement{DraftID: id, Version: 3, Prev: b.Hash(), Access: key(4)})
	for _, x := range []struct {
		d *Doc
		s RelayStatement
	}{{owner, a}, {joiner, b}, {joiner, c}} {
		if err := x.d.AddRelayStatement(x.s); err != nil {
			t.Fatal(err)
		}
		commit(t, x.d)
	}
	send(t, owner, joiner)
	send(t, joiner, owner)
	ca, cb := owner.RelayChain(), joiner.RelayChain()
	if len(ca) != 2 || len(cb) != 2 || ca[1].Hash() != cb[1].Hash() {
		t.Fatalf("chains: %d and %d statements, same last: %v", len(ca), len(cb), len(ca) == 2 && len(cb) == 2 && ca[1].Hash() == cb[1].Hash())
	}
	first := a
	if ha, hb := a.Hash(), b.Hash(); bytes.Compare(hb[:], ha[:]) < 0 {
		first = b
	}
	if ca[1].Hash() != first.Hash() {
		t.Error("the chain did not keep the statement with the smaller hash")
	}
}
