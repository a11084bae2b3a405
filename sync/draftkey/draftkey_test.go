package draftkey

import (
	"bytes"
	"errors"
	"testing"
)

func keys(t *testing.T, id string, secret byte) *Keys {
	t.Helper()
	k, err := Derive(id, bytes.Repeat([]byte{secret}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBlobOpensOnlyInItsPlace(t *testing.T) {
	k := keys(t, "draftaaaaaaaaaaaaaaa", 1)
	c0 := Start(k.DraftID())
	b1 := k.SealBlob(1, c0, []byte("first"))
	c1 := c0.Next(b1)
	b2 := k.SealBlob(2, c1, []byte("second"))
	if p, err := k.OpenBlob(1, c0, b1); err != nil || string(p) != "first" {
		t.Fatalf("blob 1: %q %v", p, err)
	}
	if p, err := k.OpenBlob(2, c1, b2); err != nil || string(p) != "second" {
		t.Fatalf("blob 2: %q %v", p, err)
	}
	altered := bytes.Clone(b2)
	altered[len(altered)/2] ^= 1
	other := keys(t, "draftbbbbbbbbbbbbbbb", 1) // another draft, same secret
	wrongSecret := keys(t, k.DraftID(), 2)
	for name, try := range map[string]func() error{
		"altered":           func() error { _, err := k.OpenBlob(2, c1, altered); return err },
		"replayed later":    func() error { _, err := k.OpenBlob(3, c1.Next(b2), b2); return err },
		"reordered":         func() error { _, err := k.OpenBlob(1, c0, b2); return err },
		"after a drop":      func() error { _, err := k.OpenBlob(2, c0.Next(b2), b2); return err },
		"another draft":     func() error { _, err := other.OpenBlob(1, Start(other.DraftID()), b1); return err },
		"another secret":    func() error { _, err := wrongSecret.OpenBlob(1, c0, b1); return err },
		"as a snapshot":     func() error { _, _, err := k.OpenSnapshot(1, b1); return err },
		"as ephemeral":      func() error { _, err := k.OpenEphemeral(b1); return err },
		"cut short":         func() error { _, err := k.OpenBlob(1, c0, b1[:Overhead-1]); return err },
		"truncated payload": func() error { _, err := k.OpenBlob(1, c0, b1[:len(b1)-1]); return err },
	} {
		if err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	if len(b1) != len("first")+Overhead {
		t.Errorf("sealed %d bytes for 5, want %d more", len(b1), Overhead)
	}
	if bytes.Equal(b1, k.SealBlob(1, c0, []byte("first"))) {
		t.Error("two seals of one plaintext are equal: the nonce is not fresh")
	}
}

func TestSnapshotCarriesItsChain(t *testing.T) {
	k := keys(t, "draftaaaaaaaaaaaaaaa", 1)
	c := Start(k.DraftID()).Next([]byte("x"))
	s := k.SealSnapshot(7, c, []byte("whole"))
	got, p, err := k.OpenSnapshot(7, s)
	if err != nil || got != c || string(p) != "whole" {
		t.Fatalf("snapshot: %v %q %v", got == c, p, err)
	}
	if _, _, err := k.OpenSnapshot(8, s); !errors.Is(err, ErrOpen) {
		t.Errorf("snapshot at another place: %v", err)
	}
	if _, err := k.OpenBlob(7, c, s); !errors.Is(err, ErrOpen) {
		t.Errorf("snapshot as a blob: %v", err)
	}
}

func TestAccessKeyCannotOpenContent(t *testing.T) {
	a, b := keys(t, "draftaaaaaaaaaaaaaaa", 1), keys(t, "draftaaaaaaaaaaaaaaa", 1)
	if !bytes.Equal(a.AccessKey(), b.AccessKey()) {
		t.Fatal("one secret gave two access keys")
	}
	if bytes.Contains(a.access, a.content) || bytes.Equal(a.access.Seed(), a.content) {
		t.Fatal("the access key holds the content key")
	}
	msg := OpenMessage(a.DraftID(), "peer", "relay", []byte("n1"), []byte("n2"))
	sig := a.SignAccess(msg)
	if !VerifyAccess(a.AccessKey(), msg, sig) {
		t.Fatal("a signature did not verify")
	}
	if VerifyAccess(a.AccessKey(), OpenMessage(a.DraftID(), "peer", "other relay", []byte("n1"), []byte("n2")), sig) {
		t.Error("a signature for one relay verified for another")
	}
	if VerifyAccess(keys(t, a.DraftID(), 3).AccessKey(), msg, sig) {
		t.Error("a signature verified under another secret's key")
	}
	if VerifyAccess(a.AccessKey()[:31], msg, sig) {
		t.Error("a short key verified something")
	}
	if _, err := Derive("x", []byte("short")); err == nil {
		t.Error("a 5-byte secret was taken")
	}
}
