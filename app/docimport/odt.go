package docimport

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const (
	nsText   = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsStyle  = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
	nsFO     = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
	nsXLink  = "http://www.w3.org/1999/xlink"
	nsOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
)

// odtStyle is what a text or paragraph style says about its text.
type odtStyle struct {
	parent       string
	bold, italic bool
	title        bool // LibreOffice's Title paragraph style, or one based on it
}

func readODT(p *zipParts) (Document, error) {
	if m, err := p.read("META-INF/manifest.xml"); err != nil {
		return Document{}, err
	} else if bytes.Contains(m, []byte("encryption-data")) {
		return Document{}, fmt.Errorf("%w: %s is saved with a password; open it in LibreOffice, save it without one, and import that copy", ErrEncrypted, p.name)
	}
	styles := map[string]odtStyle{}
	ordered := map[string]bool{}
	for _, part := range []string{"styles.xml", "content.xml"} {
		data, err := p.read(part)
		if err != nil {
			return Document{}, err
		}
		readODTStyles(data, styles, ordered)
	}
	data, err := p.read("content.xml")
	if err != nil {
		return Document{}, err
	}
	if data == nil {
		return Document{}, fmt.Errorf("%w: %s has no content.xml; open it in LibreOffice and save it again", ErrNotDocument, p.name)
	}
	b := &builder{doc: Document{Format: "odt"}}
	if err := walkODT(data, styles, ordered, b); err != nil {
		return Document{}, fmt.Errorf("%w: %s: its text cannot be read (%v); open it in LibreOffice and save it again", ErrNotDocument, p.name, err)
	}
	return b.doc, b.err
}

func readODTStyles(data []byte, styles map[string]odtStyle, ordered map[string]bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var cur string
	list := ""
	for {
		tok, err := d.Token()
		if err != nil {
			return
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case se.Name.Space == nsStyle && se.Name.Local == "style":
			cur = attr(se, nsStyle, "name")
			st := odtStyle{parent: attr(se, nsStyle, "parent-style-name")}
			st.title = cur == "Title" || st.parent == "Title"
			styles[cur] = st
		case se.Name.Space == nsStyle && se.Name.Local == "text-properties" && cur != "":
			st := styles[cur]
			if w := attr(se, nsFO, "font-weight"); w == "bold" || w == "700" || w == "800" || w == "900" {
				st.bold = true
			}
			if attr(se, nsFO, "font-style") == "italic" {
				st.italic = true
			}
			styles[cur] = st
		case se.Name.Space == nsText && se.Name.Local == "list-style":
			list = attr(se, nsStyle, "name")
		case se.Name.Space == nsText && (se.Name.Local == "list-level-style-number" || se.Name.Local == "list-level-style-bullet"):
			if list != "" && attr(se, nsText, "level") == "1" {
				ordered[list] = se.Name.Local == "list-level-style-number"
			}
		}
	}
}

// odtPara is a paragraph or heading being read.
type odtPara struct {
	heading int // its outline level; 0 for a paragraph
	title   bool
	list    string // the list it is an item of ("- " or "1. "), "" for none
	text    strings.Builder
	run     strings.Builder
	bold    bool
	italic  bool
	notes   []string
}

func (p *odtPara) flush() {
	p.text.WriteString(styled(p.run.String(), p.bold, p.italic))
	p.run.Reset()
}

// emphasis sets the emphasis of what follows, ending the run before it.
func (p *odtPara) emphasis(bold, italic bool) {
	if bold != p.bold || italic != p.italic {
		p.flush()
		p.bold, p.italic = bold, italic
	}
}

func walkODT(data []byte, styles map[string]odtStyle, ordered map[string]bool, b *builder) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	resolve := func(name string) odtStyle {
		st := styles[name]
		for seen := 0; st.parent != "" && seen < 10; seen++ {
			base, ok := styles[st.parent]
			if !ok {
				break
			}
			st.bold, st.italic, st.title = st.bold || base.bold, st.italic || base.italic, st.title || base.title
			st.parent = base.parent
		}
		return st
	}
	var paras []*odtPara
	type span struct{ bold, italic bool }
	var spans []span
	var lists []string // the mark of each list we are in
	var link []string  // the targets of the links we are in
	var linkStart []int
	skip := 0
	inNote := 0 // inside a note's body: its paragraphs are the note's
	var noteCitation string
	var noteText []string
	notes := 0
	listOpen := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			var p *odtPara
			if len(paras) > 0 {
				p = paras[len(paras)-1]
			}
			if t.Name.Space == nsOffice && t.Name.Local == "annotation" {
				skip = 1
				continue
			}
			if t.Name.Space != nsText {
				continue
			}
			switch t.Name.Local {
			case "table-of-content", "tracked-changes", "sequence-decls", "index-title", "alphabetical-index", "bibliography":
				skip = 1
			case "list":
				mark := "- "
				if ordered[attr(t, nsText, "style-name")] {
					mark = "1. "
				}
				if len(lists) > 0 && attr(t, nsText, "style-name") == "" {
					mark = lists[len(lists)-1]
				}
				lists = append(lists, mark)
			case "p", "h":
				np := &odtPara{}
				if t.Name.Local == "h" {
					np.heading = 1
					if n, err := strconv.Atoi(attr(t, nsText, "outline-level")); err == nil && n >= 1 {
						np.heading = n
					}
				}
				st := resolve(attr(t, nsText, "style-name"))
				np.title = st.title
				np.bold, np.italic = st.bold, st.italic
				if len(lists) > 0 && inNote == 0 {
					np.list = lists[len(lists)-1]
				}
				paras = append(paras, np)
				spans = spans[:0]
			case "span":
				if p != nil {
					st := resolve(attr(t, nsText, "style-name"))
					spans = append(spans, span{p.bold, p.italic})
					p.emphasis(p.bold || st.bold, p.italic || st.italic)
				}
			case "a":
				if p != nil {
					p.flush()
					link = append(link, attr(t, nsXLink, "href"))
					linkStart = append(linkStart, p.text.Len())
				}
			case "s":
				if p != nil {
					n, err := strconv.Atoi(attr(t, nsText, "c"))
					if err != nil || n < 1 {
						n = 1
					}
					p.run.WriteString(strings.Repeat(" ", min(n, 100)))
				}
			case "tab":
				if p != nil {
					p.run.WriteString(" ")
				}
			case "line-break":
				if p != nil {
					p.run.WriteString("\n")
				}
			case "note":
				notes++
				noteCitation, noteText = strconv.Itoa(notes), nil
			case "note-citation":
				skip = 1 // the number: ours replaces it
			case "note-body":
				inNote++
			}
		case xml.CharData:
			if skip == 0 && len(paras) > 0 {
				paras[len(paras)-1].run.Write(t)
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if t.Name.Space != nsText {
				continue
			}
			var p *odtPara
			if len(paras) > 0 {
				p = paras[len(paras)-1]
			}
			switch t.Name.Local {
			case "list":
				if len(lists) > 0 {
					lists = lists[:len(lists)-1]
				}
				listOpen = false
			case "span":
				if p != nil && len(spans) > 0 {
					s := spans[len(spans)-1]
					spans = spans[:len(spans)-1]
					p.emphasis(s.bold, s.italic)
				}
			case "a":
				if p != nil && len(link) > 0 {
					p.flush()
					u, start := link[len(link)-1], linkStart[len(linkStart)-1]
					link, linkStart = link[:len(link)-1], linkStart[:len(linkStart)-1]
					all := p.text.String()
					txt := all[start:]
					if target := linkTarget(u); target != "" && strings.TrimSpace(txt) != "" {
						p.text.Reset()
						p.text.WriteString(all[:start] + mdLink(txt, target))
					}
				}
			case "note-body":
				inNote--
			case "note":
				// The reference goes where the note stood.
				if p != nil {
					p.run.WriteString("[^" + noteCitation + "]")
					p.notes = append(p.notes, noteCitation)
					b.pendingNote(noteCitation, strings.Join(noteText, " "))
				}
			case "p", "h":
				if p == nil {
					continue
				}
				paras = paras[:len(paras)-1]
				p.flush()
				text := strings.TrimSpace(p.text.String())
				if inNote > 0 {
					if text != "" {
						noteText = append(noteText, text)
					}
					continue
				}
				switch {
				case text == "":
				case p.title:
					if b.doc.Title == "" {
						b.doc.Title = strings.Join(strings.Fields(stripStars(text)), " ")
					}
				case p.heading > 0:
					b.heading(p.heading, stripStars(text))
					listOpen = false
				case p.list != "":
					b.listItem(p.list+text, listOpen)
					listOpen = true
				default:
					b.para(text)
					listOpen = false
				}
				for _, id := range p.notes {
					b.flushNote(id)
					listOpen = false
				}
			}
		}
	}
}
