package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Typing reaches the owner as text operations, each made against the
// revision of the section's text its editor had last seen. The owner
// keeps, per section, a revision counter and the recent edits, so that
// an edit made before a co-author's change was shown is carried through
// it (textop.Transform) and lands on the text the person meant. The
// editor does the same the other way: a change from elsewhere is carried
// through its own edits not yet acknowledged. Each editor has at most
// one edit on its way at a time, and gathers what is typed meanwhile
// into the next, as in the client-server scheme of Jupiter and ot.js.

// typing is text typed in one section and not committed to the
// document yet: op turns the committed text, base, into text.
type typing struct {
	section string
	base    string
	op      textop.Op
	text    []rune
	keys    int
}

func (t *typing) active() bool { return t.section != "" }

// sectionText is the revision of one section's text and its recent
// edits, for carrying edits that were made against an older revision.
type sectionText struct {
	rev uint64
	log []logged // oldest first, at most maxLog
	out []logged // not yet sent to subscribers
}

// logged is one edit of a section's text: from a subscription's editor,
// or from elsewhere (nil).
type logged struct {
	rev  uint64
	op   textop.Op
	from *Subscription
}

// maxLog bounds the edits kept per section. An editor is never more than
// its event queue behind, which is drained on every frame the window
// draws; an edit older than this is refused and its editor resets.
const maxLog = 4096

// logText records an edit of a section's text and returns its revision.
// It reaches subscribers at the next sendTexts.
func (s *Session) logText(section string, op textop.Op, from *Subscription) uint64 {
	t := s.o.texts[section]
	if t == nil {
		t = &sectionText{}
		s.o.texts[section] = t
	}
	t.rev++
	l := logged{rev: t.rev, op: op, from: from}
	t.log = append(t.log, l)
	if len(t.log) > maxLog {
		t.log = append(t.log[:0], t.log[len(t.log)-maxLog:]...)
	}
	s.o.outbox = append(s.o.outbox, textEvent{section: section, logged: l})
	return t.rev
}

// textEvent is a logged edit on its way to subscribers.
type textEvent struct {
	section string
	logged
}

// sendTexts hands the edits logged since the last call to every
// subscription, and tells them the draft changed.
func (s *Session) sendTexts(other bool) {
	out := s.o.outbox
	s.o.outbox = nil
	if len(out) == 0 && !other {
		return
	}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for sub := range s.subs {
		evs := make([]Event, 0, len(out)+1)
		for _, e := range out {
			ev := Event{Section: e.section, Rev: e.rev}
			if e.from == sub {
				ev.mine = true
			} else {
				ev.Op = e.op
			}
			evs = append(evs, ev)
		}
		if other {
			evs = append(evs, Event{Draft: true})
		}
		sub.deliver(evs...)
	}
}

// rawEdit is an edit as an editor sent it.
type rawEdit struct {
	sub     *Subscription
	section string
	rev     uint64 // the revision the editor's text was at
	op      textop.Op
}

// editQueue takes editors' edits without making them wait for the owner.
type editQueue struct {
	mu    sync.Mutex
	q     []rawEdit
	ready chan struct{}
}

func (q *editQueue) push(e rawEdit) {
	q.mu.Lock()
	q.q = append(q.q, e)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *editQueue) drain() []rawEdit {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.q
	q.q = nil
	return out
}

// applyEdits applies the editors' edits waiting, in order.
func (s *Session) applyEdits() {
	for _, e := range s.edits.drain() {
		s.applyEdit(e)
	}
}

// refuseEdits answers the edits waiting with err: the document they
// were for could not be loaded. Each editor shows the draft's text again.
func (s *Session) refuseEdits(err error) {
	for _, e := range s.edits.drain() {
		e.sub.deliver(Event{Section: e.section, Err: err, reset: true})
	}
}

// applyEdit applies an editor's edit, carried through the edits of that
// section its editor had not seen, and acknowledges it.
func (s *Session) applyEdit(e rawEdit) {
	err := s.typeIn(e.section, e.rev, e.op, e.sub)
	if err != nil {
		s.w.log.Warn("An edit could not be applied; its editor shows the draft's text again", "draft", s.id, "section", e.section, "err", err)
		e.sub.deliver(Event{Section: e.section, Err: err, reset: true})
	}
}

// typeIn applies op, made against revision rev of a section's text, as
// typing. With from nil, rev is ignored: the op is for the text as it
// stands.
func (s *Session) typeIn(section string, rev uint64, op textop.Op, from *Subscription) error {
	o := &s.o
	if err := s.beginWrite(context.Background()); err != nil {
		return err
	}
	if from != nil {
		if t := o.texts[section]; t != nil && t.rev > rev {
			if len(t.log) == 0 || t.log[0].rev > rev+1 {
				return fmt.Errorf("an edit made %d revisions ago is too old to place", t.rev-rev)
			}
			for _, l := range t.log {
				if l.rev <= rev {
					continue
				}
				// The editor's edit comes first where both insert at one
				// place, as its caret stays before text that lands on it.
				var err error
				if op, _, err = textop.Transform(op, l.op); err != nil {
					return err
				}
			}
		}
	}
	if o.typing.active() && o.typing.section != section {
		s.commitTyping()
	}
	cur, err := s.textOf(section)
	if err != nil {
		return err
	}
	// A paste that would take the draft past its limit is refused, the
	// editor shown the draft's text again; single keys are not counted.
	if grow := op.TargetLen() - op.BaseLen(); grow > 1000 {
		v := s.View()
		was := textLength(v.Sections, v.Meta.Cover)
		if err := checkGrowth(was, was+grow); err != nil {
			return err
		}
	}
	text, err := op.Apply(cur)
	if err != nil {
		return err
	}
	if !o.typing.active() {
		o.typing = typing{section: section, base: string(cur), op: textop.Identity(len(cur)), text: cur}
	}
	if o.typing.op, err = textop.Compose(o.typing.op, op); err != nil {
		return err
	}
	o.typing.text = text
	o.typing.keys++
	s.logText(section, op, from)
	s.restamp()
	s.sendTexts(false)
	if every := s.w.opts.CommitEvery; every > 0 && o.typing.keys >= every {
		s.commitTyping()
		return nil
	}
	s.armIdle()
	return nil
}

func (s *Session) armIdle() {
	d := s.w.opts.IdleCommit
	if d < 0 {
		return
	}
	if s.o.idle == nil {
		s.o.idle = time.NewTimer(d)
		return
	}
	s.o.idle.Reset(d)
}

// commitTyping puts the typing into the document as one change and
// saves it. A failure to save keeps it in memory (see persist); nothing
// typed is dropped.
func (s *Session) commitTyping() {
	o := &s.o
	if o.idle != nil {
		o.idle.Stop()
		o.idle = nil
	}
	if !o.typing.active() {
		return
	}
	t := o.typing
	o.typing = typing{}
	for _, sp := range t.op.Splices() {
		if err := o.doc.Splice(t.section, sp.Pos, sp.Del, sp.Insert); err != nil {
			// The op was checked against this very text: this is a bug.
			s.w.log.Error("Typing could not be applied to the document", "draft", s.id, "section", t.section, "err", err)
			break
		}
	}
	o.committed[t.section] = string(t.text)
	if err := s.commit(context.Background()); err != nil && !o.unsaved {
		s.w.log.Warn("Could not commit typing", "draft", s.id, "err", err)
	}
	s.restamp() // the view's typing (its preview) is committed text now
}

// Splice is typing in a section from code: delete del code points at
// pos of the text as it stands and insert text. It is committed with the
// typing around it by the batching rule, like the window's.
func (s *Session) Splice(ctx context.Context, sectionID string, pos, del int, text string) error {
	return s.do(func() error {
		cur, err := s.textOf(sectionID)
		if err != nil {
			return err
		}
		op, err := textop.Splice(len(cur), pos, del, text)
		if err != nil {
			return fmt.Errorf("%w: %v", crdt.ErrRange, err)
		}
		return s.typeIn(sectionID, 0, op, nil)
	})
}
