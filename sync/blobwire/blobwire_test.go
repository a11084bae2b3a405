package blobwire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/igf-bpf/bpfdraft/sync/wire"
)

func TestRecordsRoundTrip(t *testing.T) {
	opens := []OpenRecord{{DraftID: "abc", Signature: bytes.Repeat([]byte{7}, SignatureSize), After: 300, Flags: FlagLive}}
	if got, err := DecodeOpen(EncodeOpen(opens)); err != nil || !reflect.DeepEqual(got, opens) {
		t.Fatalf("open: %+v %v", got, err)
	}
	opened := []OpenedRecord{{Status: StatusNo}, {Status: StatusOK, Tip: 1 << 40, Base: 9}}
	if got, err := DecodeOpened(EncodeOpened(opened)); err != nil || !reflect.DeepEqual(got, opened) {
		t.Fatalf("opened: %+v %v", got, err)
	}
	blobs := []BlobRecord{{Index: 1, Place: 5, Kind: KindSnapshot, Data: []byte("sealed")}, {Index: 0, Place: 200, Data: []byte{}}}
	enc := EncodeBlobs(blobs)
	if one := EncodeBlobs(blobs[:1]); len(one) != 3+len("sealed") {
		t.Errorf("a frame's only record takes %d bytes: its length should be left out", len(one))
	}
	if got, err := DecodeBlobs(enc); err != nil || !reflect.DeepEqual(got, blobs) {
		t.Fatalf("blobs: %+v %v", got, err)
	}
	acks := []AckRecord{{Index: 2, Place: 6, Status: StatusBehind, Tip: 7}, {Index: 0, Place: 1, Status: StatusRefused, Reason: "over quota"}}
	if got, err := DecodeAcks(EncodeAcks(acks)); err != nil || !reflect.DeepEqual(got, acks) {
		t.Fatalf("acks: %+v %v", got, err)
	}
	pass := []PassRecord{{Index: 3, Data: []byte("x")}}
	if got, err := DecodePass(EncodePass(pass)); err != nil || !reflect.DeepEqual(got, pass) {
		t.Fatalf("pass: %+v %v", got, err)
	}
	turn := []int{0, 7, MaxDrafts - 1}
	if got, err := DecodeTurn(EncodeTurn(turn)); err != nil || !reflect.DeepEqual(got, turn) {
		t.Fatalf("turn: %+v %v", got, err)
	}
}

// Every prefix of a valid payload, and a count the payload cannot hold,
// is refused rather than read past its end or allocated for. (A frame's
// last record cut inside its data reads as shorter data: sealed, it then
// does not open, draftkey's tests.)
func TestMalformedIsRefused(t *testing.T) {
	open := EncodeOpen([]OpenRecord{{DraftID: "abc", Signature: make([]byte, SignatureSize), After: 1}})
	blobs := EncodeBlobs([]BlobRecord{{Index: 1, Place: 5, Data: []byte("sealed")}})
	two := EncodeBlobs([]BlobRecord{{Index: 1, Place: 5, Data: []byte("sealed")}, {Index: 2, Place: 6, Data: []byte("x")}})
	for i := 1; i < len(two)-1; i++ {
		if recs, err := DecodeBlobs(two[:i]); !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("two blobs cut at %d: %+v %v", i, recs, err)
		}
	}
	for i := 1; i < len(open); i++ {
		if _, err := DecodeOpen(open[:i]); !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("open cut at %d: %v", i, err)
		}
	}
	for i := 1; i < len(blobs)-len("sealed"); i++ {
		if _, err := DecodeBlobs(blobs[:i]); !errors.Is(err, wire.ErrMalformed) {
			t.Fatalf("blobs cut at %d: %v", i, err)
		}
	}
	for name, b := range map[string][]byte{
		"huge count":     {0xff, 0xff, 0xff, 0x7f},
		"trailing bytes": append(open, 0),
		"long id":        EncodeOpen([]OpenRecord{{DraftID: string(make([]byte, MaxIDLength+1)), Signature: make([]byte, SignatureSize)}}),
	} {
		if _, err := DecodeOpen(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := DecodeBlobs(EncodeBlobs([]BlobRecord{{Index: MaxDrafts}})); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("index past the openings: %v", err)
	}
	if _, err := DecodeBlobs(EncodeBlobs([]BlobRecord{{Kind: 9}})); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := DecodePass(EncodePass([]PassRecord{{Data: make([]byte, MaxPass+1)}})); !errors.Is(err, wire.ErrMalformed) {
		t.Errorf("oversized pass: %v", err)
	}
	turn := EncodeTurn([]int{1, 300})
	for i := 1; i < len(turn); i++ {
		if _, err := DecodeTurn(turn[:i]); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("turn cut at %d: %v", i, err)
		}
	}
	for name, b := range map[string][]byte{
		"index past the openings": EncodeTurn([]int{MaxDrafts}),
		"huge count":              {0xff, 0xff, 0xff, 0x7f},
		"trailing bytes":          append(EncodeTurn([]int{1}), 0),
	} {
		if _, err := DecodeTurn(b); !errors.Is(err, wire.ErrMalformed) {
			t.Errorf("turn, %s: %v", name, err)
		}
	}
}
