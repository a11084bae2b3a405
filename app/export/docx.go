package export

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// DOCX writes a publication as a Word document. No maintained Go library
// writes DOCX with heading styles, fields and right-to-left paragraphs
// without pulling in far more than this needs, so the package is written
// here: a handful of XML parts in a zip (ECMA-376). Headings use Word's
// own "Heading 1" style, so the navigation pane and a table of contents
// work; the contents are a TOC field with its entries already filled in
// (Word refreshes it on request); page numbers are a PAGE field in the
// footer. Each numbered paragraph starts with its number and a tab,
// hanging in the margin.
func DOCX(p Publication) ([]byte, error) {
	var doc bytes.Buffer
	w := &docxWriter{b: &doc, notes: p.Notes}
	w.body(p)
	// The notes' links are relationships of the notes' part.
	docLinks := w.links
	w.links = nil
	notes := w.footnotes()
	noteRels := w.rels("")
	w.links = docLinks
	return writePackage([]packagePart{
		{name: "[Content_Types].xml", body: docxContentTypes},
		{name: "_rels/.rels", body: docxRels},
		{name: "word/_rels/document.xml.rels", body: w.rels(docxDocRels)},
		{name: "word/document.xml", body: doc.String()},
		{name: "word/footnotes.xml", body: notes},
		{name: "word/_rels/footnotes.xml.rels", body: noteRels},
		{name: "word/styles.xml", body: docxStyles},
		{name: "word/numbering.xml", body: w.numbering()},
		{name: "word/settings.xml", body: docxSettings},
		{name: "word/footer1.xml", body: docxFooter(p.RunningMark())},
		{name: "docProps/core.xml", body: fmt.Sprintf(docxCore, xmlText(p.Title), p.Date.UTC().Format(time.RFC3339))},
	}, p.Date)
}

// xmlText escapes text for XML content and attributes.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

type docxWriter struct {
	b       *bytes.Buffer
	ordered int      // ordered lists written, each a numbering instance of its own
	links   []string // the links' targets, each a relationship ("rL1", "rL2"…)
	notes   []Note   // the footnotes, written to footnotes.xml
}

// runs writes spans: a link is a w:hyperlink to a relationship of its
// target, a footnote reference a w:footnoteReference (the note, numbered
// by Word as we number it, is in footnotes.xml).
func (w *docxWriter) runs(ss []Span, rtl bool) string {
	var b strings.Builder
	for _, s := range ss {
		switch {
		case s.Note > 0:
			fmt.Fprintf(&b, `<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteReference w:id="%d"/></w:r>`, s.Note)
		case s.URL != "":
			w.links = append(w.links, s.URL)
			fmt.Fprintf(&b, `<w:hyperlink r:id="rL%d" w:history="1">`, len(w.links))
			b.WriteString(strings.Replace(run(s.Text, s.Bold, s.Italic, rtl), `<w:r>`, `<w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>`, 1))
			b.WriteString(`</w:hyperlink>`)
		default:
			b.WriteString(run(s.Text, s.Bold, s.Italic, rtl))
		}
	}
	// A run with its own properties after rStyle: Word wants one w:rPr.
	return strings.ReplaceAll(b.String(), `</w:rPr><w:rPr>`, ``)
}

// rels lists a part's relationships: those of base (the document's
// parts), then its links' targets.
func (w *docxWriter) rels(base string) string {
	if base == "" {
		base = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>`
	}
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(base, `</Relationships>`))
	for i, u := range w.links {
		fmt.Fprintf(&b, `<Relationship Id="rL%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="%s" TargetMode="External"/>`, i+1, xmlText(u))
	}
	b.WriteString(`</Relationships>`)
	return b.String()
}

// footnotes writes footnotes.xml: Word's two separators (ids -1 and 0)
// and then each note, its number as the reference mark.
func (w *docxWriter) footnotes() string {
	var b strings.Builder
	b.WriteString(xml.Header + `<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>` +
		`<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>`)
	for _, n := range w.notes {
		rtl := rightToLeft(spansText(n.Spans))
		fmt.Fprintf(&b, `<w:footnote w:id="%d"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/>`, n.Number)
		if rtl {
			b.WriteString(`<w:bidi/>`)
		}
		b.WriteString(`</w:pPr><w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> </w:t></w:r>`)
		b.WriteString(w.runs(n.Spans, rtl))
		b.WriteString(`</w:p></w:footnote>`)
	}
	b.WriteString(`</w:footnotes>`)
	return b.String()
}

func (w *docxWriter) p(style string, rtl bool, runs string) {
	fmt.Fprintf(w.b, `<w:p><w:pPr><w:pStyle w:val="%s"/>`, style)
	if rtl {
		w.b.WriteString(`<w:bidi/>`)
	}
	w.b.WriteString(`</w:pPr>` + runs + `</w:p>`)
}

// run is one run of text; line breaks inside become w:br.
func run(text string, bold, italic, rtl bool) string {
	var b strings.Builder
	b.WriteString(`<w:r>`)
	if bold || italic || rtl {
		b.WriteString(`<w:rPr>`)
		if bold {
			b.WriteString(`<w:b/><w:bCs/>`)
		}
		if italic {
			b.WriteString(`<w:i/><w:iCs/>`)
		}
		if rtl {
			b.WriteString(`<w:rtl/>`)
		}
		b.WriteString(`</w:rPr>`)
	}
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString(`<w:br/>`)
		}
		fmt.Fprintf(&b, `<w:t xml:space="preserve">%s</w:t>`, xmlText(line))
	}
	b.WriteString(`</w:r>`)
	return b.String()
}

func runs(ss []Span, rtl bool) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString(run(s.Text, s.Bold, s.Italic, rtl))
	}
	return b.String()
}

func (w *docxWriter) body(p Publication) {
	w.b.WriteString(xml.Header + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>`)
	// Title page.
	kind := labelBPF
	if p.Proposal {
		kind = labelProposal
	}
	w.p("Subtitle", false, run(labelForum, false, false, false))
	w.p("Subtitle", false, run(kind, false, false, false))
	w.p("Title", rightToLeft(p.Title), run(p.Title, false, false, rightToLeft(p.Title)))
	if p.Theme != "" {
		w.p("Centered", false, run(labelTheme+": "+p.Theme, false, false, false))
	}
	if p.Year != 0 {
		w.p("Centered", false, run(fmt.Sprint(p.Year), false, false, false))
	}
	if line := editionLine(p); line != "" {
		w.p("Centered", false, run(line, false, false, false))
	}
	for _, l := range p.LeadLines() {
		w.p("Centered", false, run(l, false, false, false))
	}
	if p.ForComment {
		w.p("Stamp", false, run(strings.ToUpper(labelForComment), true, false, false))
	}
	w.b.WriteString(`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`)
	if len(p.Summary) > 0 {
		w.p("Heading1", false, run(labelSummary, false, false, false))
		for _, para := range p.Summary {
			w.para(para)
		}
	}
	// Contents: a TOC field whose result is already the list of headings.
	w.p("TOCHeading", false, run(labelContents, false, false, false))
	w.b.WriteString(`<w:p><w:pPr><w:pStyle w:val="TOC1"/><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9062"/></w:tabs></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> TOC \o "1-1" \h \z \u </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>`)
	// Each entry links to its heading's bookmark and ends with a PAGEREF
	// field to it, which Word (told to update fields on opening) and
	// LibreOffice fill with the page their own layout gives.
	for i, part := range p.Parts {
		if i > 0 {
			w.b.WriteString(`<w:p><w:pPr><w:pStyle w:val="TOC1"/><w:tabs><w:tab w:val="right" w:leader="dot" w:pos="9062"/></w:tabs></w:pPr>`)
		}
		fmt.Fprintf(w.b, `<w:hyperlink w:anchor="%s" w:history="1">%s<w:r><w:tab/></w:r>`+
			`<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGEREF %s \h </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t></w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>`,
			docxBookmark(i), run(part.Title(), false, false, part.RTL), docxBookmark(i))
		if i < len(p.Parts)-1 {
			w.b.WriteString(`</w:p>`)
		}
	}
	w.b.WriteString(`<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>`)
	for i, part := range p.Parts {
		fmt.Fprintf(w.b, `<w:p><w:pPr><w:pStyle w:val="Heading1"/>%s</w:pPr><w:bookmarkStart w:id="%d" w:name="%s"/>%s<w:bookmarkEnd w:id="%d"/></w:p>`,
			map[bool]string{true: `<w:bidi/>`}[part.RTL], i, docxBookmark(i), run(part.Title(), false, false, part.RTL), i)
		if len(part.Paras) == 0 {
			w.p("Normal", false, run(labelNoText, false, true, false))
		}
		for _, para := range part.Paras {
			w.para(para)
		}
	}
	if p.Consultation != "" {
		w.p("Heading1", false, run(labelConsultation, false, false, false))
		w.p("Normal", false, run(p.Consultation, false, false, false))
	}
	if len(p.Contributors) > 0 {
		w.p("Heading1", false, run(labelContributors, false, false, false))
		w.p("Normal", false, run(labelAckIntro, false, false, false))
		for _, g := range p.Contributors {
			w.p("Heading2", false, run(g.Group, false, false, false))
			w.p("Normal", false, run(strings.Join(g.Names, ", "), false, false, false))
		}
	}
	if len(p.Dissemination) > 0 {
		w.p("Heading1", false, run(labelDissem, false, false, false))
		for _, n := range p.Dissemination {
			w.item(false, 0, run(n, false, false, rightToLeft(n)), rightToLeft(n))
		}
	}
	w.b.WriteString(`<w:sectPr><w:footerReference w:type="default" r:id="rFooter1"/><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1418" w:right="1247" w:bottom="1418" w:left="1587" w:header="709" w:footer="709" w:gutter="0"/><w:titlePg/></w:sectPr></w:body></w:document>`)
}

// para writes one numbered paragraph: its number, a tab, its text; a
// list that opens it goes below the number.
func (w *docxWriter) para(para Para) {
	number := ""
	if para.Number != "" {
		number = run(para.Number, true, false, false) + `<w:r><w:tab/></w:r>`
	}
	style := "Numbered"
	if para.Number == "" {
		style = "Normal"
	}
	for _, bl := range para.Blocks {
		if !bl.List {
			w.p(style, para.RTL, number+w.runs(bl.Spans, para.RTL))
			number = ""
			continue
		}
		if number != "" {
			w.p(style, para.RTL, number)
			number = ""
		}
		num := 1
		if bl.Ordered {
			w.ordered++
			num = 1 + w.ordered
		}
		for _, item := range bl.Items {
			w.item(bl.Ordered, num, w.runs(item, para.RTL), para.RTL)
		}
	}
}

// item writes a list item: bullets share numbering 1, each ordered list
// has its own (2, 3, …) so that it starts at 1.
func (w *docxWriter) item(ordered bool, num int, runs string, rtl bool) {
	if !ordered {
		num = 1
	}
	fmt.Fprintf(w.b, `<w:p><w:pPr><w:pStyle w:val="ListParagraph"/><w:numPr><w:ilvl w:val="0"/><w:numId w:val="%d"/></w:numPr>`, num)
	if rtl {
		w.b.WriteString(`<w:bidi/>`)
	}
	w.b.WriteString(`</w:pPr>` + runs + `</w:p>`)
}

func (w *docxWriter) numbering() string {
	var b strings.Builder
	b.WriteString(xml.Header + `<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
		`<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="1077" w:hanging="357"/></w:pPr></w:lvl></w:abstractNum>` +
		`<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="1077" w:hanging="357"/></w:pPr></w:lvl></w:abstractNum>` +
		`<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>`)
	for i := 1; i <= w.ordered; i++ {
		fmt.Fprintf(&b, `<w:num w:numId="%d"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>`, i+1)
	}
	b.WriteString(`</w:numbering>`)
	return b.String()
}

// docxBookmark names heading i's bookmark as Word names the ones its
// contents point at.
func docxBookmark(i int) string { return fmt.Sprintf("_Toc%08d", i+1) }

// editionLine says which version is published and when.
func editionLine(p Publication) string {
	date := ""
	if !p.Date.IsZero() {
		date = p.Date.Format("2 January 2006")
	}
	switch {
	case p.Version != "" && date != "":
		return labelVersion + ": " + p.Version + " · " + date
	case p.Version != "":
		return labelVersion + ": " + p.Version
	}
	return date
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`

const docxDocRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rNumbering" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/><Relationship Id="rSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rFooter1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>`

// docxSettings asks Word to update fields on opening: the table of
// contents then gets its page numbers, which only Word's layout knows.
const docxSettings = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:defaultTabStop w:val="567"/><w:updateFields w:val="true"/><w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`

// docxFooter is every page's footer but the cover's: the running mark of
// a draft for public comment, if any, over the page number.
func docxFooter(mark string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">`)
	if mark != "" {
		b.WriteString(`<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:t xml:space="preserve">` + xmlText(mark) + `</w:t></w:r></w:p>`)
	}
	b.WriteString(`<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:ftr>`)
	return b.String()
}

const docxCore = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>%s</dc:title><dc:creator>BPF Draft</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created></cp:coreProperties>`

// docxStyles holds Word's standard style ids (Heading1 is "heading 1"),
// fonts for Latin, complex (Arabic) and East Asian scripts, and the
// numbered paragraph's hanging indent.
const docxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Noto Serif" w:hAnsi="Noto Serif" w:cs="Noto Naskh Arabic" w:eastAsia="Noto Serif CJK SC"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-GB" w:bidi="ar-SA" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="300" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:before="480" w:after="240"/></w:pPr><w:rPr><w:b/><w:sz w:val="48"/><w:szCs w:val="48"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:caps/><w:color w:val="0B4F8A"/><w:sz w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Centered"><w:name w:val="Centered"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Stamp"><w:name w:val="Stamp"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/><w:spacing w:before="480"/></w:pPr><w:rPr><w:b/><w:color w:val="AA1111"/><w:sz w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="0B4F8A"/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="200" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/><w:basedOn w:val="Heading1"/><w:next w:val="Normal"/><w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="FootnoteText"><w:name w:val="footnote text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="FootnoteReference"><w:name w:val="footnote reference"/><w:rPr><w:vertAlign w:val="superscript"/></w:rPr></w:style>
<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/><w:rPr><w:color w:val="0B4F8A"/><w:u w:val="single"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:spacing w:after="60"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Numbered"><w:name w:val="Numbered paragraph"/><w:basedOn w:val="Normal"/><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs><w:ind w:left="720" w:hanging="720"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:ind w:left="1077"/></w:pPr></w:style>
</w:styles>`
