package docimport

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

const (
	nsW   = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
)

// wordStyle is what a paragraph style says about its paragraphs.
type wordStyle struct {
	name    string
	basedOn string
	outline int  // 1 for "heading 1"; 0 for body text
	list    bool // its paragraphs are list items ("List Bullet")
	numID   string
}

// docxReader holds what the document part refers to.
type docxReader struct {
	styles  map[string]wordStyle
	ordered map[string]bool   // numbering id → numbered (not bulleted) at its first level
	notes   map[string]string // footnote id → its text
}

func readDOCX(p *zipParts) (Document, error) {
	r := &docxReader{styles: map[string]wordStyle{}, ordered: map[string]bool{}, notes: map[string]string{}}
	if data, err := p.read("word/styles.xml"); err != nil {
		return Document{}, err
	} else if data != nil {
		r.readStyles(data)
	}
	if data, err := p.read("word/numbering.xml"); err != nil {
		return Document{}, err
	} else if data != nil {
		r.readNumbering(data)
	}
	if data, err := p.read("word/footnotes.xml"); err != nil {
		return Document{}, err
	} else if data != nil {
		rels, err := readRels(p, "word/_rels/footnotes.xml.rels")
		if err != nil {
			return Document{}, err
		}
		var nb builder
		if err := r.walk(data, rels, &nb, "footnote"); err != nil {
			return Document{}, fmt.Errorf("%w: %s: its footnotes cannot be read (%v)", ErrNotDocument, p.name, err)
		}
	}
	rels, err := readRels(p, "word/_rels/document.xml.rels")
	if err != nil {
		return Document{}, err
	}
	data, err := p.read("word/document.xml")
	if err != nil {
		return Document{}, err
	}
	b := &builder{doc: Document{Format: "docx"}}
	if err := r.walk(data, rels, b, ""); err != nil {
		return Document{}, fmt.Errorf("%w: %s: its text cannot be read (%v); open it in Word or LibreOffice and save it again", ErrNotDocument, p.name, err)
	}
	return b.doc, b.err
}

// readRels reads a part's relationships: id → target, for links.
func readRels(p *zipParts, part string) (map[string]string, error) {
	out := map[string]string{}
	data, err := p.read(part)
	if err != nil || data == nil {
		return out, err
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(data, &rels); err != nil {
		return out, nil // no links, rather than no text
	}
	for _, r := range rels.Rel {
		if strings.HasSuffix(r.Type, "/hyperlink") {
			out[r.ID] = r.Target
		}
	}
	return out, nil
}

func attr(se xml.StartElement, space, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && (space == "" || a.Name.Space == space) {
			return a.Value
		}
	}
	return ""
}

// on reads a Word toggle property (<w:b/>, <w:b w:val="0"/>).
func on(se xml.StartElement) bool {
	switch attr(se, nsW, "val") {
	case "0", "false", "off", "none":
		return false
	}
	return true
}

func (r *docxReader) readStyles(data []byte) {
	var doc struct {
		Styles []struct {
			Type string `xml:"type,attr"`
			ID   string `xml:"styleId,attr"`
			Name struct {
				Val string `xml:"val,attr"`
			} `xml:"name"`
			BasedOn struct {
				Val string `xml:"val,attr"`
			} `xml:"basedOn"`
			PPr struct {
				Outline *struct {
					Val string `xml:"val,attr"`
				} `xml:"outlineLvl"`
				NumPr *struct {
					NumID struct {
						Val string `xml:"val,attr"`
					} `xml:"numId"`
				} `xml:"numPr"`
			} `xml:"pPr"`
		} `xml:"style"`
	}
	if xml.Unmarshal(data, &doc) != nil {
		return
	}
	for _, s := range doc.Styles {
		if s.Type != "" && s.Type != "paragraph" {
			continue
		}
		st := wordStyle{name: strings.ToLower(s.Name.Val), basedOn: s.BasedOn.Val}
		if s.PPr.NumPr != nil && s.PPr.NumPr.NumID.Val != "0" {
			st.list, st.numID = true, s.PPr.NumPr.NumID.Val
		}
		if s.PPr.Outline != nil {
			if n, err := strconv.Atoi(s.PPr.Outline.Val); err == nil && n < 9 {
				st.outline = n + 1
			}
		}
		if n, ok := strings.CutPrefix(st.name, "heading "); ok && st.outline == 0 {
			if k, err := strconv.Atoi(n); err == nil && k >= 1 && k <= 9 {
				st.outline = k
			}
		}
		r.styles[s.ID] = st
	}
}

func (r *docxReader) readNumbering(data []byte) {
	var doc struct {
		Abstract []struct {
			ID  string `xml:"abstractNumId,attr"`
			Lvl []struct {
				Ilvl string `xml:"ilvl,attr"`
				Fmt  struct {
					Val string `xml:"val,attr"`
				} `xml:"numFmt"`
			} `xml:"lvl"`
		} `xml:"abstractNum"`
		Num []struct {
			ID       string `xml:"numId,attr"`
			Abstract struct {
				Val string `xml:"val,attr"`
			} `xml:"abstractNumId"`
		} `xml:"num"`
	}
	if xml.Unmarshal(data, &doc) != nil {
		return
	}
	ordered := map[string]bool{}
	for _, a := range doc.Abstract {
		for _, l := range a.Lvl {
			if l.Ilvl == "0" {
				ordered[a.ID] = l.Fmt.Val != "bullet" && l.Fmt.Val != "none" && l.Fmt.Val != ""
			}
		}
	}
	for _, n := range doc.Num {
		r.ordered[n.ID] = ordered[n.Abstract.Val]
	}
}

// style resolves a paragraph style: its lower-case name and heading level.
func (r *docxReader) style(id string) wordStyle {
	st, ok := r.styles[id]
	if !ok {
		// A document without styles.xml still names Word's built-in ones.
		st = wordStyle{name: strings.ToLower(id)}
		if n, ok := strings.CutPrefix(st.name, "heading"); ok {
			if k, err := strconv.Atoi(n); err == nil && k >= 1 && k <= 9 {
				st.outline = k
			}
		}
		return st
	}
	for seen := 0; st.basedOn != "" && seen < 10; seen++ {
		base, ok := r.styles[st.basedOn]
		if !ok {
			break
		}
		if st.outline == 0 {
			st.outline = base.outline
		}
		if !st.list && base.list {
			st.list, st.numID = true, base.numID
		}
		st.basedOn = base.basedOn
	}
	return st
}

// wordPara is a paragraph being read.
type wordPara struct {
	style   string
	outline int // set on the paragraph itself
	list    bool
	numID   string
	text    strings.Builder
	run     strings.Builder
	bold    bool
	italic  bool
	link    string // the target of the link being read, "" outside one
	inLink  bool
	linkTxt strings.Builder
	notes   []string // footnotes it refers to
}

func (p *wordPara) endRun() {
	t := styled(p.run.String(), p.bold, p.italic)
	p.run.Reset()
	if p.inLink {
		p.linkTxt.WriteString(t)
	} else {
		p.text.WriteString(t)
	}
}

// walk reads a document or footnotes part into b (for notes, into
// r.notes, each note's paragraphs joined).
func (r *docxReader) walk(data []byte, rels map[string]string, b *builder, notes string) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []*wordPara
	cur := func() *wordPara {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	skip := 0    // depth inside content that is not text (deletions, field codes)
	noteID := "" // the footnote being read
	var noteText []string
	listOpen := false // the last paragraph written was a list item
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
			if t.Name.Space != nsW {
				continue
			}
			p := cur()
			switch t.Name.Local {
			case "del", "moveFrom", "instrText", "delText":
				skip = 1
			case "footnote":
				noteID, noteText = attr(t, nsW, "id"), nil
				if ty := attr(t, nsW, "type"); ty == "separator" || ty == "continuationSeparator" || ty == "continuationNotice" {
					skip = 1
				}
			case "p":
				stack = append(stack, &wordPara{})
			case "pStyle":
				if p != nil {
					p.style = attr(t, nsW, "val")
				}
			case "outlineLvl":
				if p != nil {
					if n, err := strconv.Atoi(attr(t, nsW, "val")); err == nil && n < 9 {
						p.outline = n + 1
					}
				}
			case "numPr":
				if p != nil {
					p.list = true
				}
			case "numId":
				if p != nil {
					p.numID = attr(t, nsW, "val")
					if p.numID == "0" {
						p.list = false // numbering taken off (a style's too)
					}
				}
			case "r":
				if p != nil {
					p.bold, p.italic = false, false
				}
			case "b":
				if p != nil {
					p.bold = on(t)
				}
			case "i":
				if p != nil {
					p.italic = on(t)
				}
			case "t":
				if p != nil {
					var s string
					if err := d.DecodeElement(&s, &t); err != nil {
						return err
					}
					p.run.WriteString(s)
				}
			case "tab":
				if p != nil && len(stack) > 0 {
					p.run.WriteString(" ")
				}
			case "br", "cr":
				if p != nil && attr(t, nsW, "type") != "page" {
					p.run.WriteString("\n")
				}
			case "hyperlink":
				if p != nil {
					p.endRun()
					p.inLink, p.link = true, rels[attr(t, nsRel, "id")]
					p.linkTxt.Reset()
				}
			case "footnoteReference":
				if p != nil {
					id := attr(t, nsW, "id")
					p.run.WriteString("[^" + id + "]")
					p.notes = append(p.notes, id)
				}
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if t.Name.Space != nsW {
				continue
			}
			p := cur()
			switch t.Name.Local {
			case "r":
				if p != nil {
					p.endRun()
				}
			case "hyperlink":
				if p != nil {
					p.endRun()
					txt := p.linkTxt.String()
					if u := linkTarget(p.link); u != "" && strings.TrimSpace(txt) != "" {
						txt = mdLink(txt, u)
					}
					p.text.WriteString(txt)
					p.inLink = false
				}
			case "footnote":
				if noteID != "" {
					r.notes[noteID] = strings.Join(noteText, " ")
				}
				noteID = ""
			case "p":
				if p == nil {
					continue
				}
				stack = stack[:len(stack)-1]
				p.endRun()
				text := strings.TrimSpace(p.text.String())
				if notes != "" {
					if text != "" {
						noteText = append(noteText, text)
					}
					continue
				}
				st := r.style(p.style)
				level := st.outline
				if p.outline > 0 {
					level = p.outline
				}
				switch {
				case text == "":
				case strings.HasPrefix(st.name, "toc") || st.name == "contents heading":
					// A table of contents: the draft makes its own.
				case st.name == "title" || st.name == "subtitle":
					if b.doc.Title == "" && st.name == "title" {
						b.doc.Title = strings.Join(strings.Fields(text), " ")
					}
				case level > 0:
					b.heading(level, stripStars(text))
					listOpen = false
				case p.list || st.list && p.numID != "0":
					if p.numID == "" {
						p.numID = st.numID
					}
					mark := "- "
					if r.ordered[p.numID] {
						mark = "1. "
					}
					b.listItem(mark+text, listOpen)
					listOpen = true
				default:
					b.para(text)
					listOpen = false
				}
				for _, id := range p.notes {
					if nt, ok := r.notes[id]; ok && notes == "" {
						b.note(id, nt)
						listOpen = false
					}
				}
			}
		}
	}
}

// stripStars takes our own emphasis off a heading's text: a heading is
// bold already.
func stripStars(s string) string {
	return strings.NewReplacer("***", "", "**", "").Replace(s)
}

// mdLink writes a link as drafts do, "[text](target)", its text's
// brackets escaped.
func mdLink(text, target string) string {
	return "[" + strings.NewReplacer("[", `\[`, "]", `\]`).Replace(text) + "](" + target + ")"
}

// linkTarget keeps a link's target when drafts may carry it: an absolute
// http, https or mailto address.
func linkTarget(u string) string {
	pu, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return ""
	}
	switch strings.ToLower(pu.Scheme) {
	case "http", "https":
		if pu.Host != "" {
			return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20").Replace(pu.String())
		}
	case "mailto":
		if pu.Opaque != "" {
			return pu.String()
		}
	}
	return ""
}
