package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/igf-bpf/bpfdraft/app/export"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// Public comments: during a public-comment round, people outside the BPF
// send comments on numbered paragraphs of the published version, usually
// in a spreadsheet. Each becomes an entry of the comments journal (type
// "pc") anchored, like a participant's comment, to the first and last
// characters of the paragraph it cites as the published version had it,
// so it stays on that paragraph however the text changes after. The
// co-facilitators answer each with a status and a response (type "rs";
// the latest counts), which the disposition table lists.

// Commenter is who sent a public comment.
type Commenter struct {
	Name         string
	Organisation string
	Group        crdt.Group
	Region       crdt.Region
}

// Response is the co-facilitators' answer to a public comment.
type Response struct {
	Status DispositionStatus
	Text   string
	Actor  string
	At     time.Time
}

// DispositionStatus is how a public comment was handled.
type DispositionStatus string

// The statuses of a disposition table.
const (
	StatusAcceptedComment DispositionStatus = "accepted"
	StatusPartly          DispositionStatus = "partly accepted"
	StatusNotAccepted     DispositionStatus = "not accepted"
	StatusNoted           DispositionStatus = "noted"
	// StatusNextYear keeps a comment for next year's work: next year's
	// draft starts with it (Workspace.NextYear), as with one unanswered.
	StatusNextYear DispositionStatus = "next year"
	// StatusWithdrawn takes a duplicate or mistaken comment out of the
	// table; the comment and the decision stay in the draft's history.
	StatusWithdrawn DispositionStatus = "withdrawn"
)

// DispositionStatuses lists them in the order tables count them.
var DispositionStatuses = []DispositionStatus{StatusAcceptedComment, StatusPartly, StatusNotAccepted, StatusNoted, StatusNextYear, StatusWithdrawn}

func parseStatus(s string) (DispositionStatus, bool) {
	f := strings.ToLower(strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }), " "))
	for _, st := range DispositionStatuses {
		if string(st) == f {
			return st, true
		}
	}
	return "", false
}

// ParseDispositionStatus accepts a status by name ("partly-accepted" too).
func ParseDispositionStatus(s string) (DispositionStatus, error) {
	if st, ok := parseStatus(s); ok {
		return st, nil
	}
	return "", fmt.Errorf("%w: status %q; choose accepted, partly-accepted, not-accepted, noted, next-year (kept for next year's draft) or withdrawn (a duplicate or mistaken comment, out of the table)", crdt.ErrInvalid, s)
}

// ImportReport says what a comments import did.
type ImportReport struct {
	Added      int
	Duplicates int // rows an earlier import added already
	Corrected  int // rows an earlier import added, changed since: their comments now say what the rows do
	Bad        []BadRow
}

// BadRow is a row that was skipped, and why.
type BadRow struct {
	Row    int // the row's number as a spreadsheet shows it (the header is row 1)
	Reason string
}

// ErrUnreadable is returned for a comments file that cannot be read as
// CSV at all: nothing of it is imported.
var ErrUnreadable = errors.New("the file cannot be read as CSV")

// The columns of a comments file; any order, matched by name. "version"
// is the id of the version the paragraph numbers are from (the comment
// template writes it in every row).
var commentColumns = []string{"paragraph", "name", "organisation", "stakeholder_group", "region", "comment", "version"}

// ErrWhichVersion is returned for a comments file that does not say which
// version its paragraph numbers are from, when the draft has named
// versions: the caller says which (never guessed).
var ErrWhichVersion = errors.New("the file does not say which version its paragraph numbers are from")

// maxCommentsFile bounds what an import reads (a round rarely brings
// more than a few hundred comments).
const maxCommentsFile = 32 << 20

// ImportComments adds the public comments of a CSV file (as Excel and
// LibreOffice write it) to the draft, each on its paragraph in the
// published version (versionRef; "" is the latest named version, or the
// draft as it stands when none was named).
func (s *Session) ImportComments(ctx context.Context, data []byte, versionRef string) (ImportReport, error) {
	return s.importComments(ctx, data, versionRef, true)
}

// importComments is ImportComments, its role check made only when check
// is set: every peer leaves out public comments whose importer may not
// import them (comments), so a build without the check gains nothing.
func (s *Session) importComments(ctx context.Context, data []byte, versionRef string, check bool) (ImportReport, error) {
	var rep ImportReport
	if len(data) > maxCommentsFile {
		return rep, fmt.Errorf("%w: the file is larger than %d MB", ErrUnreadable, maxCommentsFile>>20)
	}
	rows, lines, err := readCommentsCSV(data)
	if err != nil {
		return rep, err
	}
	err = s.edit(ctx, func() error {
		if check {
			if err := s.mayDecide("import public comments"); err != nil {
				return err
			}
		}
		l, err := s.ledger()
		if err != nil {
			return err
		}
		in, ver := l.All(), crdt.Version{}
		named, err := fileVersion(rows)
		if err != nil {
			return err
		}
		ref := versionRef
		if named != "" {
			if versionRef != "" && versionRef != named {
				if v, err := s.Version(versionRef); err != nil || v.ID != named {
					return fmt.Errorf("%w: the file's paragraph numbers are from version %s, not %s; import it without saying which", crdt.ErrInvalid, named, versionRef)
				}
			}
			ref = named
		}
		if vs := s.View().Versions; ref == "" && len(vs) > 1 {
			// Numbers differ between versions: with several named, the
			// file must say which (the template does), or its importer.
			return fmt.Errorf("%w: say which (the version's name or id; `comments import --version`, or choose in the window)", ErrWhichVersion)
		} else if ref == "" && len(vs) == 1 {
			ref = vs[0].ID // the one version published: no other the numbers can be from
		}
		if ref != "" && ref != Current {
			if ver, err = s.Version(ref); err != nil {
				return fmt.Errorf("the file's paragraph numbers are from a version this draft does not have (%s): %w", ref, err)
			}
		}
		if ver.ID != "" {
			if in, err = l.Upto(ver.Heads); err != nil {
				return err
			}
		}
		outline, _ := l.Outline(in)
		known := map[string]bool{}
		idents := map[string]string{} // a row identity → the comment it made
		for _, r := range l.Journal(crdt.JournalComments) {
			var e commentEntry
			if json.Unmarshal([]byte(r.Value), &e) == nil && e.Key != "" {
				known[e.Key] = true
				if e.Type == "pc" && e.Ident != "" {
					if _, seen := idents[e.Ident]; !seen {
						idents[e.Ident] = e.ID
					}
				}
			}
		}
		labels := crdt.HeadingLabels(outline)
		texts := map[string][]crdt.Paragraph{} // each heading's paragraphs as published, read once
		nth := map[string]int{}                // a commenter's rows on one place, so far
		for i, row := range rows {
			e, reason := s.publicEntry(l, in, outline, labels, texts, ver, row)
			if reason != "" {
				rep.Bad = append(rep.Bad, BadRow{Row: lines[i], Reason: reason})
				continue
			}
			if e.Name != "" || e.Org != "" {
				who := strings.Join([]string{ver.ID, strings.ToUpper(e.Cited), strings.ToLower(e.Name), strings.ToLower(e.Org)}, "\x00")
				nth[who]++
				sum := sha256.Sum256([]byte(who + "\x00" + strconv.Itoa(nth[who])))
				e.Ident = hex.EncodeToString(sum[:12])
			}
			if known[e.Key] {
				rep.Duplicates++
				continue
			}
			known[e.Key] = true
			if id, ok := idents[e.Ident]; ok && e.Ident != "" {
				// The same commenter's same row, changed: a correction.
				if err := s.journalComment(commentEntry{Type: "pe", To: id, Section: e.Section, Text: e.Text, Key: e.Key}); err != nil {
					return err
				}
				rep.Corrected++
				continue
			}
			if e.Ident != "" {
				idents[e.Ident] = e.ID
			}
			if err := s.journalComment(e); err != nil {
				return err
			}
			rep.Added++
		}
		return nil
	})
	return rep, err
}

// fileVersion returns the version (its id) a comments file's rows name,
// or "" when none does; the rows must agree.
func fileVersion(rows []map[string]string) (string, error) {
	named := ""
	for _, r := range rows {
		v := r["version"]
		switch {
		case v == "":
		case named == "":
			named = v
		case v != named:
			return "", fmt.Errorf("%w: its rows come from two versions (%s and %s); import each version's comments from a file of its own", ErrUnreadable, named, v)
		}
	}
	return named, nil
}

// readCommentsCSV reads the rows of a comments file as column → value,
// with each row's number as a spreadsheet shows it (a cell of several
// lines is one row there, however many lines it takes in the file).
// The delimiter is the one the header reads with: a comma, or the
// semicolon Excel writes as "CSV" where the comma is the decimal mark
// (French, Spanish, German…), or a tab.
func readCommentsCSV(data []byte) ([]map[string]string, []int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, nil, fmt.Errorf("%w: it is not UTF-8 text (save it as \"CSV UTF-8\")", ErrUnreadable)
	}
	var r *csv.Reader
	var cols map[string]int
	var headerErr error
	for _, comma := range []rune{',', ';', '\t'} {
		r = csv.NewReader(bytes.NewReader(data))
		r.Comma, r.FieldsPerRecord = comma, -1
		header, err := r.Read()
		if err != nil {
			headerErr = err
			continue
		}
		cols = map[string]int{}
		for i, h := range header {
			cols[strings.ToLower(strings.TrimSpace(strings.ReplaceAll(h, " ", "_")))] = i
		}
		_, p := cols["paragraph"]
		_, c := cols["comment"]
		if p && c {
			headerErr = nil
			break
		}
		cols, headerErr = nil, nil
	}
	if headerErr != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrUnreadable, headerErr)
	}
	if cols == nil {
		return nil, nil, fmt.Errorf("%w: its first row must name the columns, among them \"paragraph\" and \"comment\" (the comment template's header is %s), separated by commas or semicolons", ErrUnreadable, strings.Join(commentColumns, ","))
	}
	var rows []map[string]string
	var numbers []int
	for n := 2; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: row %d: %v", ErrUnreadable, n, err)
		}
		row := map[string]string{}
		empty := true // a template row no one filled in says only its paragraph
		for _, c := range commentColumns {
			if i, ok := cols[c]; ok && i < len(rec) {
				row[c] = strings.TrimSpace(strings.ReplaceAll(rec[i], "\r\n", "\n"))
				empty = empty && (row[c] == "" || c == "paragraph" || c == "version")
			}
		}
		if empty {
			continue
		}
		rows = append(rows, row)
		numbers = append(numbers, n)
	}
	return rows, numbers, nil
}

// publicEntry turns a row into a journal entry, or says why it cannot.
func (s *Session) publicEntry(l *crdt.Ledger, in crdt.ChangeSet, outline []crdt.Section, labels []string, texts map[string][]crdt.Paragraph, ver crdt.Version, row map[string]string) (commentEntry, string) {
	text := row["comment"]
	if text == "" {
		return commentEntry{}, "the comment is empty"
	}
	if utf8.RuneCountInString(text) > maxCommentText {
		return commentEntry{}, fmt.Sprintf("the comment is longer than %d characters", maxCommentText)
	}
	var group crdt.Group
	if g := row["stakeholder_group"]; g != "" {
		var err error
		if group, err = crdt.ParseGroup(g); err != nil {
			return commentEntry{}, fmt.Sprintf("unknown stakeholder group %q", g)
		}
	}
	var region crdt.Region
	if rg := row["region"]; rg != "" {
		var err error
		if region, err = crdt.ParseRegion(rg); err != nil {
			return commentEntry{}, fmt.Sprintf("unknown regional group %q", rg)
		}
	}
	cited := strings.TrimSpace(row["paragraph"])
	sum := sha256.Sum256([]byte(strings.Join([]string{ver.ID, cited, row["name"], row["organisation"], text}, "\x00")))
	entry := commentEntry{Type: "pc", ID: crdt.NewID(5), Text: text, Version: ver.ID, Cited: cited,
		Name: row["name"], Org: row["organisation"], Group: string(group), Region: string(region),
		Key: hex.EncodeToString(sum[:12])}
	if cited == "" {
		return entry, "" // on the whole output
	}
	h, p, ok := crdt.ParseCited(cited)
	at := -1 // the cited heading's place in the outline
	if ok {
		at = slices.Index(labels, h)
	}
	if ok && p == 0 {
		if at < 0 {
			return commentEntry{}, fmt.Sprintf("no heading %q in the published version", cited)
		}
		entry.Section = outline[at].ID // on a whole heading
		return entry, ""
	}
	if at < 0 {
		return commentEntry{}, fmt.Sprintf("no paragraph %q in the published version", cited)
	}
	sec := outline[at]
	paras, ok := texts[sec.ID]
	if !ok {
		body, err := l.Text(sec.ID, in)
		if err != nil {
			return commentEntry{}, err.Error()
		}
		paras = crdt.Paragraphs(body)
		texts[sec.ID] = paras
	}
	para, ok := crdt.Numbered(paras, p)
	if !ok {
		last := 0
		for _, x := range paras {
			last = max(last, x.N)
		}
		return commentEntry{}, fmt.Sprintf("no paragraph %q in the published version (heading %s has %d)", cited, h, last)
	}
	first, last, err := l.ElemsAt(sec.ID, para.Start, para.End-para.Start, in)
	if err != nil {
		return commentEntry{}, err.Error()
	}
	entry.Section, entry.First, entry.Last = sec.ID, first.String(), last.String()
	entry.Quote, entry.QuoteSum = quoteOf(para.Text)
	return entry, ""
}

// citedLess orders public comments by what it cited: the whole
// output first, then by heading label (numbers, then annex letters) and
// paragraph, a whole heading before its paragraphs.
func citedLess(a, b Comment) bool {
	ha, pa := citedKey(a)
	hb, pb := citedKey(b)
	if ha != hb {
		return ha == "" || hb != "" && crdt.LabelLess(ha, hb)
	}
	return pa < pb
}

func citedKey(c Comment) (heading string, para int) {
	if c.Anchor == AnchorWhole && c.Section == "" {
		return "", 0
	}
	h, p, _ := crdt.ParseCited(c.Cited)
	return h, p
}

// citedLabel is what the disposition table says a comment is on: the
// paragraph it cited in the published version and, when the text has
// moved since, where that passage is now.
func citedLabel(c Comment) string {
	switch {
	case c.Anchor == AnchorWhole && c.Section == "":
		return "General"
	case c.Anchor == AnchorWhole:
		return c.Cited + " (whole heading)"
	case c.Anchor == AnchorDeleted || c.Number == 0:
		return c.Cited + " (passage deleted since)"
	case c.Paragraph != "" && c.Paragraph != c.Cited:
		return c.Cited + " → now " + c.Paragraph
	}
	return c.Cited
}

// Respond records the co-facilitators' answer to a public comment.
func (s *Session) Respond(ctx context.Context, id string, status DispositionStatus, text string) error {
	return s.edit(ctx, func() error {
		if err := s.mayDecide("respond to public comments"); err != nil {
			return err
		}
		c, err := s.findComment(id)
		if err != nil {
			return err
		}
		if !c.Public {
			return fmt.Errorf("%w: %s is a participant's comment; reply to it instead", crdt.ErrInvalid, c.ID)
		}
		if err := commentText(text); err != nil {
			return err
		}
		return s.journalComment(commentEntry{Type: "rs", To: c.ID, Section: c.Section, Status: string(status), Text: text})
	})
}

// Disposition is the table of the public comments and how they were
// handled, in the order of the paragraphs they cited.
func (s *Session) Disposition() (export.Disposition, error) {
	cs, err := s.Comments()
	if err != nil {
		return export.Disposition{}, err
	}
	d := export.Disposition{Title: s.Meta().Title, Date: s.w.opts.Now()}
	versions := map[string]string{}
	for _, v := range s.Versions() {
		versions[v.ID] = v.Name
	}
	var public []Comment
	for _, c := range cs {
		if c.Public && (c.Response == nil || c.Response.Status != StatusWithdrawn) {
			public = append(public, c)
			if d.Version == "" {
				d.Version = versions[c.Version]
			}
		}
	}
	sort.SliceStable(public, func(i, j int) bool {
		// General comments first, then by heading, a whole heading's
		// before its paragraphs'.
		if citedLess(public[i], public[j]) || citedLess(public[j], public[i]) {
			return citedLess(public[i], public[j])
		}
		return public[i].At.Before(public[j].At)
	})
	for _, c := range public {
		r := export.DispositionRow{Paragraph: citedLabel(c), Comment: c.Text, Name: c.Commenter.Name, Organisation: c.Commenter.Organisation,
			Group: string(c.Commenter.Group), Region: string(c.Commenter.Region)}
		if c.Response != nil {
			r.Status, r.Response = string(c.Response.Status), c.Response.Text
		}
		d.Rows = append(d.Rows, r)
	}
	return d, nil
}
