package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// Comments are entries of the comments journal (crdt/journal.go), one
// JSON object each: a comment, a reply, a resolve or a reopen. Who wrote
// an entry and when are its change's actor and time.
//
// Anchors. A comment is anchored to the first and the last character of
// the quoted text by their op ids (crdt.ElemID): a character keeps its
// id through every edit and merge around it, on every peer, so the
// anchor follows the text without any search; text typed inside the
// stretch joins it. Beside the ids the entry keeps a W3C Web Annotation
// text-quote selector (exact text, with up to 32 characters of prefix and
// suffix): when every quoted character is deleted the comment still
// shows what it was about, and a reader outside BPF Draft (an exported
// comment, a public-comment round) can find the passage by searching.

// Comment is a comment on a passage with its replies.
type Comment struct {
	ID        string
	Section   string
	Number    int    // the heading's number; 0 if the heading was removed
	Heading   string // the heading's title
	Paragraph string // where the passage starts, e.g. "3.2"; "" if deleted
	Quote     string // the passage when the comment was made
	Prefix    string
	Suffix    string
	Text      string
	Actor     string
	At        time.Time
	Resolved  bool
	StatusBy  string // who last resolved or reopened it ("" if nobody)
	Replies   []Reply
	Start     int         // the passage now, in code points of the heading's text
	End       int         //   (both -1 when its text is all deleted)
	Anchor    AnchorState // whether the passage still reads as quoted

	// A public comment (sent in during a public-comment round, public.go)
	// has its commenter, the paragraph it cited in the published version,
	// and the co-facilitators' response.
	Public    bool
	Commenter Commenter
	Version   string // the published version's id
	Cited     string // the paragraph number it cited there
	Response  *Response
	Corrected bool // its text is a corrected row's, imported again

	first, last crdt.ElemID
	quoteSum    string // see commentEntry.QuoteSum
}

// Reply is an answer in a comment's thread.
type Reply struct {
	ID    string
	Text  string
	Actor string
	At    time.Time
}

// AnchorState says what became of a commented passage.
type AnchorState string

// The states of an anchor.
const (
	AnchorIntact  AnchorState = "intact"  // the passage reads as quoted
	AnchorEdited  AnchorState = "edited"  // text was changed inside it
	AnchorDeleted AnchorState = "deleted" // all of it was deleted; the quote is kept
	// AnchorWhole is a public comment on no passage: on the whole output
	// (Section "") or on a whole heading, as a row that cites no paragraph
	// or only a heading's number says.
	AnchorWhole AnchorState = "whole"
)

// commentEntry is one entry of the comments journal.
type commentEntry struct {
	Type    string `json:"t"`            // c comment, r reply, s resolve, o reopen
	ID      string `json:"id,omitempty"` // of a comment or reply
	To      string `json:"to,omitempty"` // the comment a reply, resolve or reopen is about
	Section string `json:"s,omitempty"`
	First   string `json:"a,omitempty"`
	Last    string `json:"b,omitempty"`
	Quote   string `json:"q,omitempty"`
	// QuoteSum is the SHA-256 (hex) of the whole passage when Quote holds
	// only its first maxQuote characters (a public comment on a long
	// paragraph): what the passage is compared with to say it is intact.
	QuoteSum string `json:"qs,omitempty"`
	Prefix   string `json:"p,omitempty"`
	Suffix   string `json:"x,omitempty"`
	Text     string `json:"m,omitempty"`

	// Public comments (type pc) and responses (type rs).
	Version string `json:"v,omitempty"`
	Cited   string `json:"n,omitempty"`
	Name    string `json:"cn,omitempty"`
	Org     string `json:"co,omitempty"`
	Group   string `json:"cg,omitempty"`
	Region  string `json:"cr,omitempty"`
	Key     string `json:"k,omitempty"` // the row's fingerprint: an import adds a row once
	// Ident is a named commenter's row identity: the version, what it
	// cites, who, and which of their rows on it (the first, the second…).
	// A file imported again with that row changed corrects the comment
	// (type pe) instead of adding another.
	Ident  string `json:"i,omitempty"`
	Status string `json:"st,omitempty"`
}

// Limits keep a journal entry small and a thread readable.
const (
	maxCommentText = 4000
	maxQuote       = 2000
	quoteContext   = 32
)

// samePassage says whether a comment's passage still reads as it did:
// the quote itself, or, when only its start was kept, its digest.
func samePassage(now, quote, sum string) bool {
	if sum == "" {
		return now == quote
	}
	d := sha256.Sum256([]byte(now))
	return hex.EncodeToString(d[:]) == sum
}

// quoteOf returns the passage a comment keeps, and its digest when the
// passage is longer than what is kept.
func quoteOf(passage string) (quote, sum string) {
	r := []rune(passage)
	if len(r) <= maxQuote {
		return passage, ""
	}
	d := sha256.Sum256([]byte(passage))
	return string(r[:maxQuote]), hex.EncodeToString(d[:])
}

// ErrQuote is returned when a quote does not name one passage.
var ErrQuote = fmt.Errorf("%w: quote", crdt.ErrInvalid)

// CommentOn comments on the quoted passage of a heading's text (it must
// occur there exactly once) and returns the comment's id.
func (s *Session) CommentOn(ctx context.Context, section, quote, text string) (string, error) {
	var id string
	err := s.edit(ctx, func() error {
		sec, err := findSection(s.View().Sections, section)
		if err != nil {
			return err
		}
		// Typing was committed before this runs: the document's text is
		// the one the ledger knows.
		body, err := s.o.doc.Body(sec.ID)
		if err != nil {
			return err
		}
		n := strings.Count(body, quote)
		switch {
		case quote == "":
			return fmt.Errorf("%w: give the passage to comment on", ErrQuote)
		case n == 0:
			return fmt.Errorf("%w: %q is not in heading %q", ErrQuote, quote, sec.Heading)
		case n > 1:
			return fmt.Errorf("%w: %q occurs %d times in heading %q; quote more of the passage", ErrQuote, quote, n, sec.Heading)
		}
		pos := utf8.RuneCountInString(body[:strings.Index(body, quote)])
		id, err = s.comment(sec, pos, utf8.RuneCountInString(quote), text)
		return err
	})
	return id, err
}

// CommentAt comments on n code points at pos of a heading's text as it
// stands (a selection in the window) and returns the comment's id.
func (s *Session) CommentAt(ctx context.Context, section string, pos, n int, text string) (string, error) {
	var id string
	err := s.edit(ctx, func() error {
		sec, err := findSection(s.View().Sections, section)
		if err != nil {
			return err
		}
		id, err = s.comment(sec, pos, n, text)
		return err
	})
	return id, err
}

// comment writes a new comment; on the owner, typing committed.
func (s *Session) comment(sec crdt.Section, pos, n int, text string) (string, error) {
	if err := commentText(text); err != nil {
		return "", err
	}
	if n > maxQuote {
		return "", fmt.Errorf("%w: a comment's passage is at most %d characters", ErrQuote, maxQuote)
	}
	l, err := s.ledger()
	if err != nil {
		return "", err
	}
	first, last, err := l.ElemsAt(sec.ID, pos, n, l.All())
	if err != nil {
		return "", err
	}
	text0, err := s.o.doc.Body(sec.ID)
	if err != nil {
		return "", err
	}
	body := []rune(text0)
	e := commentEntry{Type: "c", ID: crdt.NewID(5), Section: sec.ID, First: first.String(), Last: last.String(),
		Quote:  string(body[pos : pos+n]),
		Prefix: string(body[max(0, pos-quoteContext):pos]),
		Suffix: string(body[pos+n : min(len(body), pos+n+quoteContext)]),
		Text:   text}
	return e.ID, s.journalComment(e)
}

func commentText(text string) error {
	if strings.TrimSpace(text) == "" {
		return fmt.Errorf("%w: a comment needs text", crdt.ErrInvalid)
	}
	if !utf8.ValidString(text) {
		return crdt.ErrInvalidText
	}
	if utf8.RuneCountInString(text) > maxCommentText {
		return fmt.Errorf("%w: a comment is at most %d characters", crdt.ErrInvalid, maxCommentText)
	}
	return nil
}

func (s *Session) journalComment(e commentEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.o.doc.Journaled(crdt.JournalComments, crdt.KindComment, e.Section, string(b))
}

// Reply answers a comment and returns the reply's id.
func (s *Session) Reply(ctx context.Context, to, text string) (string, error) {
	var id string
	err := s.edit(ctx, func() error {
		if err := commentText(text); err != nil {
			return err
		}
		c, err := s.findComment(to)
		if err != nil {
			return err
		}
		id = crdt.NewID(5)
		return s.journalComment(commentEntry{Type: "r", ID: id, To: c.ID, Section: c.Section, Text: text})
	})
	return id, err
}

// Resolve marks a comment resolved, or open again with resolved false.
func (s *Session) Resolve(ctx context.Context, id string, resolved bool) error {
	return s.edit(ctx, func() error {
		c, err := s.findComment(id)
		if err != nil {
			return err
		}
		t := "s"
		if !resolved {
			t = "o"
		}
		return s.journalComment(commentEntry{Type: t, To: c.ID, Section: c.Section})
	})
}

// findComment finds a comment by id or unique start of one; owner only.
func (s *Session) findComment(ref string) (Comment, error) {
	cs, err := s.comments()
	if err != nil {
		return Comment{}, err
	}
	var match []Comment
	for _, c := range cs {
		if c.ID == ref {
			return c, nil
		}
		if len(ref) >= 3 && strings.HasPrefix(c.ID, strings.ToLower(ref)) {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 1:
		return match[0], nil
	case 0:
		return Comment{}, fmt.Errorf("%w: no comment %q; `bpfdraft comments DRAFT` lists them", ErrNotFound, ref)
	}
	return Comment{}, fmt.Errorf("%w: %q matches %d comments; give more of the id", ErrAmbiguous, ref, len(match))
}

// Comments lists the comments, in the draft's order (heading, then
// place), those on deleted text after the others of their heading.
func (s *Session) Comments() ([]Comment, error) {
	if s.View().Comments == 0 {
		return nil, nil // spares a draft opened from its stored view a load
	}
	var out []Comment
	err := s.do(func() error {
		var err error
		out, err = s.comments()
		return err
	})
	return out, err
}

// NotCounted returns how many public comments, and responses to them,
// the draft holds that count for nothing: written by someone who held no
// role to import or respond (a build that skips the checks).
func (s *Session) NotCounted() (comments, responses int, err error) {
	if s.View().Comments == 0 {
		return 0, 0, nil
	}
	err = s.do(func() error {
		if _, err := s.comments(); err != nil {
			return err
		}
		comments, responses = s.o.notCounted[0], s.o.notCounted[1]
		return nil
	})
	return comments, responses, err
}

// latest returns which of several entries decides (crdt.Ledger.Latest),
// given the change each came in; -1 for none.
func latest[T any](l *crdt.Ledger, entries []T, ref func(T) crdt.ChangeRef) int {
	refs := make([]crdt.ChangeRef, len(entries))
	for i, e := range entries {
		refs[i] = ref(e)
	}
	return l.Latest(refs)
}

func (s *Session) comments() ([]Comment, error) {
	l, auth, err := s.authority()
	if err != nil {
		return nil, err
	}
	s.o.notCounted = [2]int{}
	changes := l.Changes()
	byID := map[string]*Comment{}
	var order []string
	type status struct {
		ref      crdt.ChangeRef // the change that set it; -1: none
		by       string
		resolved bool
	}
	type response struct {
		ref crdt.ChangeRef
		r   Response
	}
	statuses := map[string]status{}
	// Imports and responses count by the role their author held as
	// their change saw the draft, not by the role of now (crdt.Authority).
	statusCands := map[string][]status{}
	responseCands := map[string][]response{}
	type correction struct {
		ref  crdt.ChangeRef
		text string
	}
	correctionCands := map[string][]correction{}
	refOf := map[string]crdt.ChangeRef{} // by comment, the change that made it
	for _, r := range l.Journal(crdt.JournalComments) {
		var e commentEntry
		if len(r.Value) > 4*(maxCommentText+maxQuote+1024) || json.Unmarshal([]byte(r.Value), &e) != nil {
			continue // not an entry this version can read
		}
		c := changes[r.By]
		switch e.Type {
		case "c", "pc":
			first, err1 := crdt.ParseElemID(e.First)
			last, err2 := crdt.ParseElemID(e.Last)
			whole := e.Type == "pc" && e.First == "" && e.Last == ""
			if e.ID == "" || !whole && (err1 != nil || err2 != nil) {
				continue
			}
			if old, dup := refOf[e.ID]; dup && changes[old].Hash <= c.Hash {
				// Two comments with one id (a copy's replay, or a forgery):
				// every peer keeps the one whose change has the smaller
				// hash, whichever it learnt first.
				continue
			}
			if e.Type == "pc" && !auth.AuthorRole(r.By).CanDecide() {
				// Public comments come in by a co-facilitator's or the
				// rapporteur's import; anyone else's are invented.
				s.o.notCounted[0]++
				continue
			}
			cm := &Comment{ID: e.ID, Section: e.Section, Quote: e.Quote, Prefix: e.Prefix, Suffix: e.Suffix,
				Text: e.Text, Actor: c.Actor, At: c.Time, first: first, last: last, quoteSum: e.QuoteSum}
			if e.Type == "pc" {
				cm.Public, cm.Version, cm.Cited = true, e.Version, e.Cited
				cm.Commenter = Commenter{Name: e.Name, Organisation: e.Org, Group: crdt.Group(e.Group), Region: crdt.Region(e.Region)}
			}
			if _, dup := refOf[e.ID]; !dup {
				order = append(order, e.ID)
			}
			byID[e.ID], refOf[e.ID] = cm, r.By
		case "r", "s", "o", "rs", "pe":
		default:
			continue
		}
	}
	// Replies and statuses after every comment is known: a journal lists
	// entries in the order changes arrived, not necessarily causally
	// within one batch of peers.
	for _, r := range l.Journal(crdt.JournalComments) {
		var e commentEntry
		if json.Unmarshal([]byte(r.Value), &e) != nil {
			continue
		}
		c := changes[r.By]
		parent := byID[e.To]
		if parent == nil {
			continue
		}
		switch e.Type {
		case "r":
			parent.Replies = append(parent.Replies, Reply{ID: e.ID, Text: e.Text, Actor: c.Actor, At: c.Time})
		case "s", "o":
			statusCands[e.To] = append(statusCands[e.To], status{ref: r.By, by: c.Actor, resolved: e.Type == "s"})
		case "pe":
			// A corrected row of a re-imported file, by whoever may
			// import public comments; anyone else's is invented.
			if parent.Public && auth.AuthorRole(r.By).CanDecide() && e.Text != "" && utf8.RuneCountInString(e.Text) <= maxCommentText {
				correctionCands[e.To] = append(correctionCands[e.To], correction{r.By, e.Text})
			} else if parent.Public {
				s.o.notCounted[0]++
			}
		case "rs":
			// From someone who may give one.
			if st, ok := parseStatus(e.Status); ok && auth.AuthorRole(r.By).CanDecide() {
				responseCands[e.To] = append(responseCands[e.To], response{ref: r.By,
					r: Response{Status: st, Text: e.Text, Actor: c.Actor, At: c.Time}})
			} else if ok {
				s.o.notCounted[1]++
			}
		}
	}
	// Of a comment's resolves and reopens, and of its responses, the one
	// made knowing the others counts (crdt.Ledger.Latest), not the one
	// with the latest clock: a clock set ahead would always win.
	for id, cands := range statusCands {
		if k := latest(l, cands, func(c status) crdt.ChangeRef { return c.ref }); k >= 0 {
			statuses[id] = cands[k]
		}
	}
	for id, cands := range correctionCands {
		if k := latest(l, cands, func(c correction) crdt.ChangeRef { return c.ref }); k >= 0 {
			byID[id].Text, byID[id].Corrected = cands[k].text, true
		}
	}
	for id, cands := range responseCands {
		if k := latest(l, cands, func(c response) crdt.ChangeRef { return c.ref }); k >= 0 {
			r := cands[k].r
			byID[id].Response = &r
		}
	}
	v := s.View()
	number := map[string]int{}
	label := map[string]string{}
	heading := map[string]string{}
	labels := crdt.HeadingLabels(v.Sections)
	for i, sec := range v.Sections {
		number[sec.ID], label[sec.ID], heading[sec.ID] = i+1, labels[i], sec.Heading
	}
	for _, sec := range v.Removed {
		heading[sec.ID] = sec.Heading
	}
	all := l.All()
	out := make([]Comment, 0, len(order))
	for _, id := range order {
		c := byID[id]
		st := statuses[id]
		c.Resolved, c.StatusBy = st.resolved, st.by
		sort.SliceStable(c.Replies, func(i, j int) bool {
			a, b := c.Replies[i], c.Replies[j]
			if !a.At.Equal(b.At) {
				return a.At.Before(b.At)
			}
			return a.ID < b.ID
		})
		c.Number, c.Heading = number[c.Section], heading[c.Section]
		c.Start, c.End, c.Anchor = -1, -1, AnchorDeleted
		if c.Public && c.first == (crdt.ElemID{}) && c.last == (crdt.ElemID{}) {
			c.Anchor = AnchorWhole
			if c.Number > 0 {
				c.Paragraph = label[c.Section]
			}
			out = append(out, *c)
			continue
		}
		ranges, _, err := l.Locate(c.Section, c.first, c.last, func(crdt.ChangeRef) bool { return true }, all)
		if err == nil && len(ranges) > 0 {
			c.Start = ranges[0].Pos
			c.End = ranges[len(ranges)-1].Pos + ranges[len(ranges)-1].Len
			body := []rune(s.o.committed[c.Section])
			c.Anchor = AnchorEdited
			if c.End <= len(body) && samePassage(string(body[c.Start:c.End]), c.Quote, c.quoteSum) {
				c.Anchor = AnchorIntact
			}
			if t := &s.o.typing; t.active() && t.section == c.Section {
				// The window shows the typing not committed yet.
				c.Start, c.End, body = t.op.Map(c.Start, true), t.op.Map(c.End, false), t.text
			}
			if c.Number > 0 {
				c.Paragraph = crdt.ParagraphNumber(label[c.Section], crdt.NumberAt(crdt.Paragraphs(string(body)), c.Start))
			}
		}
		out = append(out, *c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Number != b.Number {
			return a.Number != 0 && (b.Number == 0 || a.Number < b.Number)
		}
		if (a.Start < 0) != (b.Start < 0) {
			return a.Start >= 0
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		// Comments on one place: an order every peer gives alike, not
		// the order this one learnt them in.
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return a.ID < b.ID
	})
	return out, nil
}
