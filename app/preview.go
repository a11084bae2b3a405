package app

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
	docsync "github.com/igf-bpf/bpfdraft/sync"
)

// Typing previews: a window sends what its person has typed and not yet
// committed to the co-authors online (docsync's previews, which carry
// them without reading them), and theirs show it in the typist's colour
// until the commit that carries it arrives, within a second. A preview
// is the typing as edits of the section's committed text, with a short
// identity of that text: a receiver whose committed text is another (the
// commit has arrived, or the two copies differ) shows nothing of it,
// since its positions would land in the wrong places, and the text comes
// with the commit a moment later. Nothing of a preview is stored.

// Preview is one window's typing not yet committed, in one section.
type Preview struct {
	Section string
	// Base identifies the committed text Runs apply to: the first bytes
	// of its SHA-256.
	Base BaseID
	// Runs are the typing's edits of the committed text, in order, apart.
	Runs []PreviewRun
}

// BaseID identifies a section's committed text.
type BaseID [8]byte

// PreviewRun is one place the typing changed: Del code points at Pos of
// the committed text removed and Insert put there.
type PreviewRun struct {
	Pos    int
	Del    int
	Insert string
}

// Ghost is a co-author's typing placed in the text a window shows: Text
// is inserted at Pos, and the Del code points from Pos are removed (a
// window may strike them through or leave them be: insertions are what a
// reader needs to see live; removals show at the commit, within a
// second). Positions are code points of the text shown.
type Ghost struct {
	Pos  int
	Del  int
	Text string
}

// MaxPreviewSize bounds an encoded preview: what the sync engine carries.
const MaxPreviewSize = docsync.MaxPreviewData

const (
	previewFormat     = 1
	maxPreviewSection = 64
	maxPreviewPos     = 1 << 30 // far past any draft (MaxDraftText), short of overflow
)

// ErrBadPreview is returned for a preview that cannot be decoded.
var ErrBadPreview = errors.New("malformed typing preview")

// Preview returns this session's typing not yet committed as a preview,
// or false when there is none. It reads the published view only, so the
// window may call it after every key: the committed text's identity is
// computed once per commit, not per key.
func (s *Session) Preview() (Preview, bool) {
	t := s.View().typing
	if t.section == "" {
		return Preview{}, false
	}
	return Preview{Section: t.section, Base: s.bases.of(t.section, t.base), Runs: runsOf(t.op)}, true
}

// runsOf turns an operation into its runs over the text it applies to.
func runsOf(op textop.Op) []PreviewRun {
	sp := op.Splices()
	runs := make([]PreviewRun, len(sp))
	shift := 0 // code points the splices before have added
	for i, x := range sp {
		runs[i] = PreviewRun{Pos: x.Pos - shift, Del: x.Del, Insert: x.Insert}
		shift += utf8.RuneCountInString(x.Insert) - x.Del
	}
	return runs
}

// op returns the preview's runs as an operation on a text of n code
// points, if they fit it.
func (p Preview) op(n int) (textop.Op, error) {
	end := 0
	for _, r := range p.Runs {
		if r.Pos < end || r.Del < 0 || r.Pos+r.Del > n {
			return textop.Op{}, fmt.Errorf("%w: a run at %d removing %d in a text of %d", ErrBadPreview, r.Pos, r.Del, n)
		}
		end = r.Pos + r.Del
	}
	// Last run first: what each does lies after the runs before it, whose
	// positions so stay those of the committed text.
	out := textop.Identity(n)
	for i := len(p.Runs) - 1; i >= 0; i-- {
		r := p.Runs[i]
		sp, err := textop.Splice(out.TargetLen(), r.Pos, r.Del, r.Insert)
		if err == nil {
			out, err = textop.Compose(out, sp)
		}
		if err != nil {
			return textop.Op{}, err
		}
	}
	return out, nil
}

// PlacePreview places a co-author's preview in the text this session's
// view shows: the committed text with this machine's own typing, through
// which the preview's runs are carried (where both insert at one place,
// this machine's typing comes first). ok is false when the preview was
// made on another committed text than this machine's, or names no
// section here: the window then shows nothing of it, and the commit
// brings the text a moment later. It reads the published view only.
func (s *Session) PlacePreview(p Preview) (section string, ghosts []Ghost, ok bool) {
	op, ok := s.placeOp(s.View(), p)
	if !ok {
		return "", nil, false
	}
	return p.Section, ghostsOf(op), true
}

// placeOp returns the preview as an operation on the text v shows.
func (s *Session) placeOp(v *View, p Preview) (textop.Op, bool) {
	base, ok := "", false
	if v.typing.section == p.Section {
		base, ok = v.typing.base, true
	} else {
		for _, list := range [][]crdt.Section{v.Sections, v.Removed} {
			for _, sec := range list {
				if sec.ID == p.Section {
					base, ok = sec.Body, true
				}
			}
		}
	}
	if !ok || s.bases.of(p.Section, base) != p.Base {
		return textop.Op{}, false
	}
	op, err := p.op(utf8.RuneCountInString(base))
	if err != nil {
		return textop.Op{}, false
	}
	if v.typing.section == p.Section {
		if _, op, err = textop.Transform(v.typing.op, op); err != nil {
			return textop.Op{}, false
		}
	}
	return op, true
}

// PlacePreview is Session.PlacePreview for the text the holder shows:
// the view's, with the holder's edits still on their way. It runs on the
// holder's goroutine, like Next. ok is false as well while the view holds
// a change from elsewhere the holder has not taken yet: place it again
// after Next.
func (sub *Subscription) PlacePreview(p Preview) (ghosts []Ghost, ok bool) {
	c := sub.open[p.Section]
	if c == nil {
		return nil, false
	}
	v := sub.s.View()
	mine := make([]textop.Op, 0, len(sub.queued)+1)
	switch rev := v.Rev(p.Section); {
	case rev == c.rev:
		if sub.sent != nil && sub.sent.section == p.Section {
			mine = append(mine, sub.sent.op)
		}
	case rev == c.rev+1 && sub.sent != nil && sub.sent.section == p.Section && sub.acknowledged(p.Section, rev):
		// The view is ahead by the holder's own edit, which it holds.
	default:
		return nil, false
	}
	op, ok := sub.s.placeOp(v, p)
	if !ok {
		return nil, false
	}
	for _, q := range sub.queued {
		if q.section == p.Section {
			mine = append(mine, q.op)
		}
	}
	for _, m := range mine {
		var err error
		if _, op, err = textop.Transform(m, op); err != nil {
			return nil, false
		}
	}
	return ghostsOf(op), true
}

// acknowledged reports whether the events waiting acknowledge the
// holder's edit of section that made revision rev.
func (sub *Subscription) acknowledged(section string, rev uint64) bool {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	for _, ev := range sub.queue {
		if ev.mine && ev.Section == section && ev.Rev == rev {
			return true
		}
	}
	return false
}

// ghostsOf lists what an operation inserts and removes, placed in the
// text it applies to.
func ghostsOf(op textop.Op) []Ghost {
	runs := runsOf(op)
	out := make([]Ghost, len(runs))
	for i, r := range runs {
		out[i] = Ghost{Pos: r.Pos, Del: r.Del, Text: r.Insert}
	}
	return out
}

// baseIDs caches the identity of each section's committed text: it
// changes once per commit, and previews ask for it at every key.
type baseIDs struct {
	mu sync.Mutex
	m  map[string]baseIDEntry
}

type baseIDEntry struct {
	text string
	id   BaseID
}

func (b *baseIDs) of(section, text string) BaseID {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Equal strings usually share their bytes (the view's), and then
	// compare without reading them.
	if e, ok := b.m[section]; ok && e.text == text {
		return e.id
	}
	sum := sha256.Sum256([]byte(text))
	var id BaseID
	copy(id[:], sum[:])
	if b.m == nil {
		b.m = map[string]baseIDEntry{}
	}
	b.m[section] = baseIDEntry{text: text, id: id}
	return id
}

// EncodePreview writes a preview for the wire: a format byte, the
// section, the base, the count of runs and each run as its distance from
// the end of the one before, its removal and its insertion's length and
// bytes (uvarints but the bytes), the last insertion running to the end
// without its length: from one key to the next only the end changes,
// which the connection's deflate context then sends in a few bits. A
// preview longer than MaxPreviewSize (a paste) is cut: the runs that do
// not fit are left out, the last insertion shortened; the commit brings
// the rest.
func EncodePreview(p Preview) []byte {
	b := []byte{previewFormat}
	b = binary.AppendUvarint(b, uint64(len(p.Section)))
	b = append(b, p.Section...)
	b = append(b, p.Base[:]...)
	// Counts and lengths within MaxPreviewSize take two bytes at most.
	const short = 2
	room := MaxPreviewSize - len(b) - short
	var runs []PreviewRun
	end := 0
	for _, r := range p.Runs {
		head := uvarintLen(r.Pos-end) + uvarintLen(r.Del) + short
		if head > room {
			break
		}
		room -= head
		ins := r.Insert
		for len(ins) > room {
			_, size := utf8.DecodeLastRuneInString(ins)
			ins = ins[:len(ins)-size]
		}
		room -= len(ins)
		runs = append(runs, PreviewRun{Pos: r.Pos, Del: r.Del, Insert: ins})
		end = r.Pos + r.Del
		if len(ins) < len(r.Insert) {
			break
		}
	}
	b = binary.AppendUvarint(b, uint64(len(runs)))
	end = 0
	for i, r := range runs {
		b = binary.AppendUvarint(b, uint64(r.Pos-end))
		b = binary.AppendUvarint(b, uint64(r.Del))
		if i < len(runs)-1 {
			b = binary.AppendUvarint(b, uint64(len(r.Insert)))
		}
		b = append(b, r.Insert...)
		end = r.Pos + r.Del
	}
	return b
}

func uvarintLen(v int) int { return len(binary.AppendUvarint(nil, uint64(v))) }

// DecodePreview reads what EncodePreview wrote. Anything else, from a
// peer that may send anything, is an error: an unknown format, a field
// past the end or over its bound, runs out of order, text that is not
// UTF-8, bytes left over.
func DecodePreview(b []byte) (Preview, error) {
	bad := func(what string) (Preview, error) {
		return Preview{}, fmt.Errorf("%w: %s", ErrBadPreview, what)
	}
	if len(b) > MaxPreviewSize {
		return bad(fmt.Sprintf("%d bytes", len(b)))
	}
	if len(b) == 0 || b[0] != previewFormat {
		return bad("unknown format")
	}
	b = b[1:]
	number := func(limit uint64) (int, bool) {
		v, w := binary.Uvarint(b)
		if w <= 0 || v > limit {
			return 0, false
		}
		b = b[w:]
		return int(v), true
	}
	field := func(limit uint64) (string, bool) {
		n, ok := number(limit)
		if !ok || n > len(b) || !utf8.Valid(b[:n]) {
			return "", false
		}
		v := string(b[:n])
		b = b[n:]
		return v, true
	}
	var p Preview
	var ok bool
	if p.Section, ok = field(maxPreviewSection); !ok || p.Section == "" {
		return bad("section")
	}
	if len(b) < len(p.Base) {
		return bad("base")
	}
	b = b[copy(p.Base[:], b):]
	// A run takes two bytes at least: the count cannot claim more.
	count, ok := number(uint64(len(b) / 2))
	if !ok {
		return bad("run count")
	}
	p.Runs = make([]PreviewRun, 0, count)
	end := 0
	for i := range count {
		gap, ok1 := number(maxPreviewPos)
		del, ok2 := number(maxPreviewPos)
		var ins string
		ok3 := true
		if i < count-1 {
			ins, ok3 = field(MaxPreviewSize)
		} else if ok3 = utf8.Valid(b); ok3 {
			ins, b = string(b), nil
		}
		if !ok1 || !ok2 || !ok3 || end+gap+del > maxPreviewPos {
			return bad("run")
		}
		p.Runs = append(p.Runs, PreviewRun{Pos: end + gap, Del: del, Insert: ins})
		end += gap + del
	}
	if len(b) > 0 {
		return bad("bytes after the runs")
	}
	return p, nil
}
