// Package docimport reads the text of a Word (DOCX), OpenDocument (ODT)
// or Markdown file as headings and paragraphs in the light Markdown
// drafts are written in (**bold**, *italic*, "- " lists, [text](url)
// links, [^1] footnotes with their text as a paragraph "[^1]: …"), so
// that a draft can start from a document co-facilitators wrote
// elsewhere. It reads only: where the text goes is the app's business.
//
// Every file is hostile until read: the input, each part of a package
// and the text that comes out are bounded, and a file that is not one of
// the three (or is encrypted, or is a zip that inflates without end) is
// refused with an error that says what to do.
package docimport

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Limits on what is read. A BPF output is some tens of pages: a DOCX of
// one is well under a megabyte, its document part a few megabytes.
const (
	MaxFileBytes = 20 << 20 // the file as given
	maxPartBytes = 32 << 20 // one part of a package, inflated
	maxParts     = 5_000    // entries in a package
	maxTextRunes = 2_000_000
)

// Errors, each wrapped with what to do.
var (
	ErrNotDocument = errors.New("not a document this can read")
	ErrEncrypted   = errors.New("the document is encrypted")
	ErrTooLarge    = errors.New("the document is too large")
)

// Document is a file's text: what comes before its first heading, then
// each heading and its paragraphs.
type Document struct {
	Format   string // "docx", "odt" or "md"
	Title    string // the document's own title (Word's Title style), if any
	Intro    []string
	Sections []Section
}

// Section is one heading of the file and the paragraphs under it, down to
// the next heading of its level or above. Deeper headings are kept as
// bold paragraphs, so the outline a draft has stays flat.
type Section struct {
	Heading string
	Level   int // 1 for the file's top level
	Paras   []string
}

// Chars counts the characters of a document's text.
func (d Document) Chars() int {
	n := 0
	for _, p := range d.Intro {
		n += utf8.RuneCountInString(p)
	}
	for _, s := range d.Sections {
		for _, p := range s.Paras {
			n += utf8.RuneCountInString(p)
		}
	}
	return n
}

// Read reads a file's text by what its bytes are, the name's extension
// settling only what the bytes cannot (Markdown is plain text).
func Read(name string, data []byte) (Document, error) {
	if len(data) > MaxFileBytes {
		return Document{}, fmt.Errorf("%w: %s is %d MB; this reads documents up to %d MB (a BPF output is well under one: save it without embedded images or fonts)",
			ErrTooLarge, filepath.Base(name), len(data)>>20, MaxFileBytes>>20)
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch {
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		// An OLE compound file: an old .doc, or a DOCX saved with a password.
		return Document{}, fmt.Errorf("%w, or in Word's old .doc format: open it in Word or LibreOffice, remove the password if it has one, and save it as .docx or .odt", ErrEncrypted)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readPackage(name, data)
	case ext == ".md" || ext == ".markdown" || ext == ".txt":
		if !utf8.Valid(data) {
			return Document{}, fmt.Errorf("%w: %s is not UTF-8 text; save it as UTF-8", ErrNotDocument, filepath.Base(name))
		}
		return readMarkdown(string(data))
	}
	return Document{}, fmt.Errorf("%w: %s is not a .docx, .odt or Markdown file; save it in one of those formats (Word and LibreOffice both write .docx and .odt)", ErrNotDocument, filepath.Base(name))
}

// builder gathers paragraphs under headings.
type builder struct {
	doc   Document
	top   int // the file's top heading level, once seen
	runes int
	err   error
	noted map[string]bool   // footnotes whose text is written
	held  map[string]string // footnotes read, waiting for their paragraph to end
}

// pendingNote keeps a footnote's text until the paragraph that refers to
// it is written.
func (b *builder) pendingNote(id, text string) {
	if b.held == nil {
		b.held = map[string]string{}
	}
	b.held[id] = text
}

// flushNote writes a held footnote after its paragraph.
func (b *builder) flushNote(id string) {
	if text, ok := b.held[id]; ok {
		b.note(id, text)
	}
}

// listItem writes a list item: on a line of its own in the paragraph
// before when that one is a list too (a list is one paragraph of a draft).
func (b *builder) listItem(text string, cont bool) {
	paras := &b.doc.Intro
	if n := len(b.doc.Sections); n > 0 {
		paras = &b.doc.Sections[n-1].Paras
	}
	if cont && len(*paras) > 0 {
		b.runes += utf8.RuneCountInString(text) + 1
		(*paras)[len(*paras)-1] += "\n" + strings.TrimSpace(text)
		return
	}
	b.para(text)
}

// note writes a footnote's text as a paragraph of its own, "[^id]: …",
// once, after the first paragraph that refers to it.
func (b *builder) note(id, text string) {
	if b.noted == nil {
		b.noted = map[string]bool{}
	}
	if b.noted[id] {
		return
	}
	b.noted[id] = true
	b.para("[^" + id + "]: " + strings.Join(strings.Fields(text), " "))
}

func (b *builder) heading(level int, text string) {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return
	}
	if b.top == 0 || level < b.top {
		b.top = level
	}
	if level > b.top && len(b.doc.Sections) > 0 {
		// A subheading: a bold line in its heading's text.
		b.para("**" + escapeEmphasis(text) + "**")
		return
	}
	b.doc.Sections = append(b.doc.Sections, Section{Heading: text, Level: 1})
}

func (b *builder) para(text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	b.runes += utf8.RuneCountInString(text)
	if b.runes > maxTextRunes && b.err == nil {
		b.err = fmt.Errorf("%w: it holds more than %d characters of text, ten times what one draft keeps; split it into smaller documents", ErrTooLarge, maxTextRunes)
	}
	if n := len(b.doc.Sections); n > 0 {
		b.doc.Sections[n-1].Paras = append(b.doc.Sections[n-1].Paras, text)
		return
	}
	b.doc.Intro = append(b.doc.Intro, text)
}

// escapeEmphasis keeps asterisks and underscores in a text literal, for
// text wrapped in emphasis of our own.
func escapeEmphasis(s string) string {
	return strings.NewReplacer(`*`, `\*`, `_`, `\_`).Replace(s)
}

// styled writes a run of text with its emphasis as light Markdown; the
// spaces at its ends stay outside the markers, where Markdown needs them.
func styled(text string, bold, italic bool) string {
	if !bold && !italic || strings.TrimSpace(text) == "" {
		return text
	}
	core := strings.TrimSpace(text)
	lead := text[:strings.Index(text, core)]
	trail := text[len(lead)+len(core):]
	mark := "*"
	switch {
	case bold && italic:
		mark = "***"
	case bold:
		mark = "**"
	}
	return lead + mark + core + mark + trail
}
