package app

import (
	"errors"
	"sync"

	"github.com/igf-bpf/bpfdraft/app/textop"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Event is what a Subscription hands its holder.
type Event struct {
	// Section and Op: the text of an open section changed elsewhere; Op,
	// applied to the text the holder shows, gives the new text. A caret or
	// selection is carried with Op.Map.
	Section string
	Op      textop.Op
	Rev     uint64
	// Draft: something else changed (headings, details, participants, or
	// the text of sections the holder has not opened): read the View.
	Draft bool
	// Err: an edit of Section could not be applied. Text is the section's
	// text as the draft holds it, to show instead.
	Err  error
	Text string

	mine  bool // an acknowledgement of the holder's own edit
	reset bool
}

// Subscription is a view of one session's changes for an editor, such as
// the window: it sends the person's edits without waiting and receives
// every change as an event. Its methods other than Ready and Done must be
// called from one goroutine (the window's), which owns its editors'
// state; the owner only appends to its queue.
type Subscription struct {
	s *Session

	mu    sync.Mutex // Protects queue and ended.
	queue []Event
	ended bool
	ready chan struct{} // holds a token while queue is not empty
	done  chan struct{} // closed when the session ends or Close is called

	// The holder's goroutine only: the revision of each open section's
	// text the holder shows, the edit on its way (one at a time, of any
	// section) and what was typed since, in order, to go next.
	open   map[string]*client
	sent   *queued
	queued []queued
}

// client is what the holder's side knows of one open section.
type client struct{ rev uint64 }

// queued is an edit of one section not yet acknowledged.
type queued struct {
	section string
	op      textop.Op
}

// Attach returns a new subscription to the session's changes.
func (s *Session) Attach() *Subscription {
	sub := &Subscription{s: s, ready: make(chan struct{}, 1), done: make(chan struct{}), open: map[string]*client{}}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	select {
	case <-s.done:
		close(sub.done)
		sub.ended = true
	default:
		s.subs[sub] = true
	}
	return sub
}

// Session returns the session the subscription follows.
func (sub *Subscription) Session() *Session { return sub.s }

// Ready receives a value when events are waiting.
func (sub *Subscription) Ready() <-chan struct{} { return sub.ready }

// Done is closed when the subscription ends.
func (sub *Subscription) Done() <-chan struct{} { return sub.done }

// Close ends the subscription.
func (sub *Subscription) Close() {
	sub.s.subMu.Lock()
	delete(sub.s.subs, sub)
	sub.s.subMu.Unlock()
	sub.end()
}

func (sub *Subscription) end() {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	if !sub.ended {
		sub.ended = true
		close(sub.done)
	}
}

func (sub *Subscription) deliver(evs ...Event) {
	sub.mu.Lock()
	if sub.ended {
		sub.mu.Unlock()
		return
	}
	sub.queue = append(sub.queue, evs...)
	sub.mu.Unlock()
	select {
	case sub.ready <- struct{}{}:
	default:
	}
}

// Open starts following a section's text and returns it as it stands.
// Edits of it go through Edit from then on.
func (sub *Subscription) Open(section string) (string, error) {
	v := sub.s.View()
	for _, list := range [][]crdt.Section{v.Sections, v.Removed} {
		for _, sec := range list {
			if sec.ID == section {
				sub.open[section] = &client{rev: v.Rev(section)}
				return sec.Body, nil
			}
		}
	}
	_, err := findSection(v.Sections, section)
	return "", err
}

// Edit sends the person's edit of an open section: op applies to the
// text as the holder shows it, which it has already changed. It never
// waits for the draft's owner. Edits reach the owner in the order they
// were made, one at a time: the next goes when the owner acknowledges
// the last (an event Next consumes), and what is typed meanwhile is
// gathered into it.
func (sub *Subscription) Edit(section string, op textop.Op) error {
	if sub.open[section] == nil {
		return errNotOpen
	}
	if op.IsIdentity() {
		return nil
	}
	if sub.sent == nil {
		sub.send(queued{section: section, op: op})
		return nil
	}
	if n := len(sub.queued); n > 0 && sub.queued[n-1].section == section {
		c, err := textop.Compose(sub.queued[n-1].op, op)
		if err != nil {
			return err
		}
		sub.queued[n-1].op = c
		return nil
	}
	sub.queued = append(sub.queued, queued{section: section, op: op})
	return nil
}

func (sub *Subscription) send(q queued) {
	sub.sent = &q
	sub.s.edits.push(rawEdit{sub: sub, section: q.section, rev: sub.open[q.section].rev, op: q.op})
}

// Pending reports whether edits of a section are still on their way to
// the draft.
func (sub *Subscription) Pending(section string) bool {
	if sub.sent != nil && sub.sent.section == section {
		return true
	}
	for _, q := range sub.queued {
		if q.section == section {
			return true
		}
	}
	return false
}

// Next returns the events waiting, with changes to open sections carried
// through the holder's edits still on their way, so that each applies to
// the text the holder shows.
func (sub *Subscription) Next() []Event {
	sub.mu.Lock()
	raw := sub.queue
	sub.queue = nil
	sub.mu.Unlock()
	var out []Event
	draft := false
	for _, ev := range raw {
		if ev.Draft {
			draft = true
			continue
		}
		c := sub.open[ev.Section]
		if c == nil {
			draft = true // the text of a section not open: a word count
			continue
		}
		if ev.reset || ev.Rev != c.rev+1 && ev.Rev > c.rev {
			out = append(out, sub.reset(ev))
			continue
		}
		if ev.Rev <= c.rev {
			continue // already in the text the holder opened
		}
		c.rev = ev.Rev
		if ev.mine {
			sub.sent = nil
			if len(sub.queued) > 0 {
				next := sub.queued[0]
				sub.queued = sub.queued[1:]
				sub.send(next)
			}
			continue
		}
		op, err := sub.carry(ev.Section, ev.Op)
		if err != nil {
			out = append(out, sub.reset(Event{Section: ev.Section, Err: err}))
			continue
		}
		out = append(out, Event{Section: ev.Section, Op: op, Rev: ev.Rev})
	}
	if draft {
		out = append(out, Event{Draft: true})
	}
	return out
}

// carry moves a change from elsewhere past the holder's edits of the
// same section that the owner has not applied yet, and them past it.
func (sub *Subscription) carry(section string, op textop.Op) (textop.Op, error) {
	mine := make([]*textop.Op, 0, len(sub.queued)+1)
	if sub.sent != nil && sub.sent.section == section {
		mine = append(mine, &sub.sent.op)
	}
	for i := range sub.queued {
		if sub.queued[i].section == section {
			mine = append(mine, &sub.queued[i].op)
		}
	}
	for _, m := range mine {
		// The holder's edit comes first where both insert at one place,
		// as the owner decided, and as a caret stays before text that
		// lands on it.
		m2, op2, err := textop.Transform(*m, op)
		if err != nil {
			return op, err
		}
		*m, op = m2, op2
	}
	return op, nil
}

// reset opens a section again from the draft's text after an edit could
// not be placed (which the tests never see happen): the holder shows
// that text instead of its own.
func (sub *Subscription) reset(ev Event) Event {
	delete(sub.open, ev.Section)
	if sub.sent != nil && sub.sent.section == ev.Section {
		sub.sent = nil // its acknowledgement will not come: nothing is held back
	}
	kept := sub.queued[:0]
	for _, q := range sub.queued {
		if q.section != ev.Section {
			kept = append(kept, q)
		}
	}
	sub.queued = kept
	if sub.sent == nil && len(sub.queued) > 0 {
		next := sub.queued[0]
		sub.queued = sub.queued[1:]
		sub.send(next)
	}
	text, err := sub.Open(ev.Section)
	if err != nil {
		return Event{Section: ev.Section, Err: err}
	}
	if ev.Err == nil {
		ev.Err = errOutOfStep
	}
	return Event{Section: ev.Section, Err: ev.Err, Text: text, reset: true}
}

// Reset reports whether the event replaces the holder's text with Text.
func (ev Event) Reset() bool { return ev.reset }

var (
	errNotOpen   = errors.New("section not opened for editing")
	errOutOfStep = errors.New("the editor fell out of step with the draft")
)
