package statement_test

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"

	"github.com/igf-bpf/bpfdraft/crdt"
	"github.com/igf-bpf/bpfdraft/crdt/statement"
)

// The creator's proof read without Automerge agrees with the draft as
// Automerge made it, and refuses a first change altered by one byte
// anywhere: its checksum (the first bytes of its hash) no longer holds,
// or it names another change.
func TestCreatorOfAnAutomergeDraft(t *testing.T) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer := crdt.NewSigner(key)
	doc, err := crdt.NewSigned(signer, crdt.TemplateOutput, crdt.English, "BPF Cybersecurity 2026", "Cybersecurity", 2026, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	genesis, err := doc.Genesis()
	if err != nil || genesis == nil {
		t.Fatalf("genesis: %v", err)
	}
	creator, err := statement.CreatorOf(doc.DraftID(), genesis, signer.Cert())
	if err != nil || creator != statement.Fingerprint(key.Public().(ed25519.PublicKey)) {
		t.Fatalf("creator %q, %v", creator, err)
	}
	for i := range genesis {
		bad := append([]byte(nil), genesis...)
		bad[i] ^= 0x20
		if _, err := statement.CreatorOf(doc.DraftID(), bad, signer.Cert()); !errors.Is(err, statement.ErrRefused) {
			t.Fatalf("byte %d altered: %v", i, err)
		}
	}
	for _, cut := range []int{0, 9, len(genesis) - 1} {
		if _, err := statement.CreatorOf(doc.DraftID(), genesis[:cut], signer.Cert()); !errors.Is(err, statement.ErrRefused) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
}

// Decoding what a peer sends never panics, and what decodes encodes to
// bytes that decode to the same (a number may be spelt with needless
// bytes; the hash and signature cover the canonical spelling).
func FuzzDecode(f *testing.F) {
	s := statement.Relay{DraftID: "abcdefghijklmnopqrst", Version: 2, Access: make([]byte, 32), Relays: []string{"/ip4/203.0.113.7/tcp/4001/p2p/R1"},
		Admins: []string{"abcdabcdabcdabcd"}, Signer: statement.Cert{Key: make([]byte, 32)}, Sig: make([]byte, 64)}
	f.Add(s.Encode())
	f.Add(statement.EncodeCert(s.Signer))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := statement.Decode(b); err == nil {
			again, err := statement.Decode(r.Encode())
			if err != nil || again.Hash() != r.Hash() {
				t.Fatalf("a statement that does not decode again: %v", err)
			}
		}
		if c, err := statement.DecodeCert(b); err == nil {
			again, err := statement.DecodeCert(statement.EncodeCert(c))
			if err != nil || !again.Equal(c) {
				t.Fatalf("a certificate that does not decode again: %v", err)
			}
		}
	})
}
