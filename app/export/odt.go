package export

import (
	"fmt"
	"strings"
	"time"
)

// ODT writes a publication as an OpenDocument text (ISO/IEC 26300), the
// format LibreOffice writes, as its XML parts in a zip, for the same
// reason as DOCX. Headings are text:h with an outline level in the
// standard "Heading 1" style, so the navigator and a table of contents
// work; the contents are a text:table-of-content whose entries are
// already filled in; the page footer holds the page number.
func ODT(p Publication) ([]byte, error) {
	w := &odtWriter{notes: p.Notes}
	w.body(p)
	// The mimetype comes first and uncompressed, so that a reader can
	// tell the format from the first bytes.
	return writePackage([]packagePart{
		{name: "mimetype", body: "application/vnd.oasis.opendocument.text", stored: true},
		{name: "META-INF/manifest.xml", body: odtManifest},
		{name: "content.xml", body: w.b.String()},
		{name: "styles.xml", body: odtStylesWith(p.RunningMark())},
		{name: "meta.xml", body: fmt.Sprintf(odtMeta, xmlText(p.Title), p.Date.UTC().Format(time.RFC3339))},
	}, p.Date)
}

type odtWriter struct {
	b     strings.Builder
	notes []Note
}

// odtStyle names a paragraph style, its right-to-left twin when rtl.
func odtStyle(style string, rtl bool) string {
	if rtl {
		return style + "_RTL"
	}
	return style
}

// spans writes spans: a link is a text:a, and a footnote reference the
// note itself (text:note), where OpenDocument keeps it.
func (w *odtWriter) spans(ss []Span) string {
	var b strings.Builder
	for _, s := range ss {
		if s.Note > 0 && s.Note <= len(w.notes) {
			n := w.notes[s.Note-1]
			fmt.Fprintf(&b, `<text:note text:id="ftn%d" text:note-class="footnote"><text:note-citation>%d</text:note-citation><text:note-body><text:p text:style-name="Footnote">%s</text:p></text:note-body></text:note>`,
				n.Number, n.Number, odtSpans(n.Spans))
			continue
		}
		b.WriteString(odtSpans([]Span{s}))
	}
	return b.String()
}

// odtSpans writes spans without notes (a note's own text, the contents).
func odtSpans(ss []Span) string {
	var b strings.Builder
	for _, s := range ss {
		if s.Note > 0 {
			continue
		}
		t := strings.ReplaceAll(xmlText(s.Text), "\n", "<text:line-break/>")
		switch {
		case s.Bold && s.Italic:
			t = `<text:span text:style-name="TBI">` + t + `</text:span>`
		case s.Bold:
			t = `<text:span text:style-name="TB">` + t + `</text:span>`
		case s.Italic:
			t = `<text:span text:style-name="TI">` + t + `</text:span>`
		}
		if s.URL != "" {
			t = `<text:a xlink:type="simple" xlink:href="` + xmlText(s.URL) + `">` + t + `</text:a>`
		}
		b.WriteString(t)
	}
	return b.String()
}

func (w *odtWriter) p(style string, content string) {
	fmt.Fprintf(&w.b, `<text:p text:style-name="%s">%s</text:p>`, style, content)
}

func (w *odtWriter) h(level int, rtl bool, text string) {
	style := fmt.Sprintf("Heading_20_%d", level)
	fmt.Fprintf(&w.b, `<text:h text:style-name="%s" text:outline-level="%d">%s</text:h>`, odtStyle(style, rtl), level, xmlText(text))
}

// hMarked is a heading with a bookmark, for the contents to point at.
func (w *odtWriter) hMarked(level int, rtl bool, text, mark string) {
	style := fmt.Sprintf("Heading_20_%d", level)
	fmt.Fprintf(&w.b, `<text:h text:style-name="%s" text:outline-level="%d"><text:bookmark text:name="%s"/>%s</text:h>`, odtStyle(style, rtl), level, mark, xmlText(text))
}

func (w *odtWriter) list(ordered bool, items []string) {
	style := "LBullet"
	if ordered {
		style = "LNumber"
	}
	fmt.Fprintf(&w.b, `<text:list text:style-name="%s">`, style)
	for _, it := range items {
		fmt.Fprintf(&w.b, `<text:list-item><text:p text:style-name="List_20_Contents">%s</text:p></text:list-item>`, it)
	}
	w.b.WriteString(`</text:list>`)
}

func (w *odtWriter) para(para Para) {
	number := ""
	style := "Text_20_body"
	if para.Number != "" {
		number = `<text:span text:style-name="TB">` + xmlText(para.Number) + `</text:span><text:tab/>`
		style = "Numbered"
	}
	style = odtStyle(style, para.RTL)
	for _, bl := range para.Blocks {
		if !bl.List {
			w.p(style, number+w.spans(bl.Spans))
			number = ""
			continue
		}
		if number != "" {
			w.p(style, number)
			number = ""
		}
		var items []string
		for _, it := range bl.Items {
			items = append(items, w.spans(it))
		}
		w.list(bl.Ordered, items)
	}
}

func (w *odtWriter) body(p Publication) {
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<office:document-content ` + odtNamespaces + ` office:version="1.3">`)
	w.b.WriteString(odtAutomatic)
	w.b.WriteString(`<office:body><office:text>`)
	kind := labelBPF
	if p.Proposal {
		kind = labelProposal
	}
	w.p("Subtitle", xmlText(labelForum))
	w.p("Subtitle", xmlText(kind))
	w.p(odtStyle("Title", rightToLeft(p.Title)), xmlText(p.Title))
	if p.Theme != "" {
		w.p("Centered", xmlText(labelTheme+": "+p.Theme))
	}
	if p.Year != 0 {
		w.p("Centered", fmt.Sprint(p.Year))
	}
	if line := editionLine(p); line != "" {
		w.p("Centered", xmlText(line))
	}
	for _, l := range p.LeadLines() {
		w.p("Centered", xmlText(l))
	}
	if p.ForComment {
		w.p("Stamp", xmlText(strings.ToUpper(labelForComment)))
	}
	w.p("PageBreak", "")
	if len(p.Summary) > 0 {
		w.h(1, false, labelSummary)
		for _, para := range p.Summary {
			w.para(para)
		}
	}
	w.b.WriteString(`<text:table-of-content text:name="Contents" text:protected="false"><text:table-of-content-source text:outline-level="1"><text:index-title-template text:style-name="Contents_20_Heading">` + xmlText(labelContents) + `</text:index-title-template><text:table-of-content-entry-template text:outline-level="1" text:style-name="Contents_20_1"><text:index-entry-link-start/><text:index-entry-chapter/><text:index-entry-text/><text:index-entry-tab-stop style:type="right" style:leader-char="."/><text:index-entry-page-number/><text:index-entry-link-end/></text:table-of-content-entry-template></text:table-of-content-source><text:index-body>`)
	w.b.WriteString(`<text:index-title text:name="Contents_Head">`)
	w.p("Contents_20_Heading", xmlText(labelContents))
	w.b.WriteString(`</text:index-title>`)
	for _, part := range p.Parts {
		// A link to the heading, and a reference field showing the page it
		// is on, which LibreOffice's layout fills in.
		w.p("Contents_20_1", fmt.Sprintf(`<text:a xlink:type="simple" xlink:href="#%s">%s</text:a><text:tab/><text:bookmark-ref text:reference-format="page" text:ref-name="%s"></text:bookmark-ref>`,
			part.Anchor(), xmlText(part.Title()), part.Anchor()))
	}
	w.b.WriteString(`</text:index-body></text:table-of-content>`)
	for _, part := range p.Parts {
		w.hMarked(1, part.RTL, part.Title(), part.Anchor())
		if len(part.Paras) == 0 {
			w.p("Text_20_body", `<text:span text:style-name="TI">`+xmlText(labelNoText)+`</text:span>`)
		}
		for _, para := range part.Paras {
			w.para(para)
		}
	}
	escaped := func(ss []string) []string {
		out := make([]string, len(ss))
		for i, s := range ss {
			out[i] = xmlText(s)
		}
		return out
	}
	if p.Consultation != "" {
		w.h(1, false, labelConsultation)
		w.p("Text_20_body", xmlText(p.Consultation))
	}
	if len(p.Contributors) > 0 {
		w.h(1, false, labelContributors)
		w.p("Text_20_body", xmlText(labelAckIntro))
		for _, g := range p.Contributors {
			w.h(2, false, g.Group)
			w.p("Text_20_body", xmlText(strings.Join(g.Names, ", ")))
		}
	}
	if len(p.Dissemination) > 0 {
		w.h(1, false, labelDissem)
		w.list(false, escaped(p.Dissemination))
	}
	w.b.WriteString(`</office:text></office:body></office:document-content>`)
}

const odtNamespaces = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"`

// odtAutomatic holds the content's own styles: emphasis, the lists, and
// a right-to-left twin of each paragraph style a right-to-left text uses.
const odtAutomatic = `<office:automatic-styles>
<style:style style:name="TB" style:family="text"><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold"/></style:style>
<style:style style:name="TI" style:family="text"><style:text-properties fo:font-style="italic" style:font-style-asian="italic" style:font-style-complex="italic"/></style:style>
<style:style style:name="TBI" style:family="text"><style:text-properties fo:font-weight="bold" fo:font-style="italic" style:font-weight-complex="bold" style:font-style-complex="italic"/></style:style>
<style:style style:name="PageBreak" style:family="paragraph"><style:paragraph-properties fo:break-after="page"/></style:style>
<style:style style:name="Numbered_RTL" style:family="paragraph" style:parent-style-name="Numbered"><style:paragraph-properties style:writing-mode="rl-tb" fo:text-align="end"/></style:style>
<style:style style:name="Text_20_body_RTL" style:family="paragraph" style:parent-style-name="Text_20_body"><style:paragraph-properties style:writing-mode="rl-tb" fo:text-align="end"/></style:style>
<style:style style:name="Heading_20_1_RTL" style:family="paragraph" style:parent-style-name="Heading_20_1"><style:paragraph-properties style:writing-mode="rl-tb" fo:text-align="end"/></style:style>
<style:style style:name="Title_RTL" style:family="paragraph" style:parent-style-name="Title"><style:paragraph-properties style:writing-mode="rl-tb"/></style:style>
<text:list-style style:name="LBullet"><text:list-level-style-bullet text:level="1" text:bullet-char="•"><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="1.9cm" fo:text-indent="-0.6cm" fo:margin-left="1.9cm"/></style:list-level-properties></text:list-level-style-bullet></text:list-style>
<text:list-style style:name="LNumber"><text:list-level-style-number text:level="1" style:num-format="1" style:num-suffix="."><style:list-level-properties text:list-level-position-and-space-mode="label-alignment"><style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="1.9cm" fo:text-indent="-0.6cm" fo:margin-left="1.9cm"/></style:list-level-properties></text:list-level-style-number></text:list-style>
</office:automatic-styles>`

const odtManifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/></manifest:manifest>`

const odtMeta = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta><dc:title>%s</dc:title><meta:generator>BPF Draft</meta:generator><meta:creation-date>%s</meta:creation-date></office:meta></office:document-meta>`

// odtStyles holds the named styles (LibreOffice's own names, so "Heading
// 1" is the heading style a reader knows), fonts for Latin, Asian and
// complex scripts, and an A4 page whose footer shows the page number.
const odtStyles = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles ` + odtNamespaces + ` office:version="1.3">
<office:font-face-decls><style:font-face style:name="Noto Serif" svg:font-family="'Noto Serif'"/><style:font-face style:name="Noto Naskh Arabic" svg:font-family="'Noto Naskh Arabic'"/><style:font-face style:name="Noto Serif CJK SC" svg:font-family="'Noto Serif CJK SC'"/></office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.25cm" fo:line-height="125%"/><style:text-properties style:font-name="Noto Serif" fo:font-size="11pt" fo:language="en" fo:country="GB" style:font-name-asian="Noto Serif CJK SC" style:language-asian="zh" style:country-asian="CN" style:font-name-complex="Noto Naskh Arabic" style:language-complex="ar" style:country-complex="SA" style:font-size-complex="11pt"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text"/>
<style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:margin-left="0.6cm" fo:text-indent="-0.6cm"/><style:text-properties fo:font-size="9pt"/></style:style>
<style:style style:name="Numbered" style:display-name="Numbered paragraph" style:family="paragraph" style:parent-style-name="Text_20_body"><style:paragraph-properties fo:margin-left="1.27cm" fo:text-indent="-1.27cm"><style:tab-stops><style:tab-stop style:position="0cm"/></style:tab-stops></style:paragraph-properties></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter"><style:paragraph-properties fo:text-align="center" fo:margin-top="1.5cm" fo:margin-bottom="0.6cm"/><style:text-properties fo:font-size="24pt" fo:font-weight="bold" style:font-size-complex="24pt" style:font-weight-complex="bold"/></style:style>
<style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="13pt" fo:text-transform="uppercase" fo:color="#0b4f8a"/></style:style>
<style:style style:name="Centered" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/></style:style>
<style:style style:name="Stamp" style:family="paragraph" style:parent-style-name="Centered"><style:paragraph-properties fo:margin-top="1.2cm"/><style:text-properties fo:font-weight="bold" fo:color="#aa1111" fo:font-size="14pt"/></style:style>
<style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:class="text"><style:paragraph-properties fo:margin-top="0.6cm" fo:margin-bottom="0.2cm" fo:keep-with-next="always"/><style:text-properties fo:font-weight="bold" style:font-weight-asian="bold" style:font-weight-complex="bold" fo:color="#0b4f8a"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1" style:class="text"><style:text-properties fo:font-size="15pt" style:font-size-complex="15pt"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="2" style:class="text"><style:text-properties fo:font-size="12pt" fo:color="#1b1b1b"/></style:style>
<style:style style:name="Contents_20_Heading" style:display-name="Contents Heading" style:family="paragraph" style:parent-style-name="Heading" style:class="index"><style:text-properties fo:font-size="15pt"/></style:style>
<style:style style:name="Contents_20_1" style:display-name="Contents 1" style:family="paragraph" style:parent-style-name="Standard" style:class="index"><style:paragraph-properties fo:margin-bottom="0.1cm"><style:tab-stops><style:tab-stop style:position="15.5cm" style:type="right" style:leader-style="dotted" style:leader-text="."/></style:tab-stops></style:paragraph-properties></style:style>
<style:style style:name="List_20_Contents" style:display-name="List Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="html"><style:paragraph-properties fo:margin-bottom="0.1cm"/></style:style>
<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra"><style:paragraph-properties fo:text-align="center"/></style:style>
</office:styles>
<office:automatic-styles><style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2cm" fo:margin-bottom="1.5cm" fo:margin-left="2.8cm" fo:margin-right="2.2cm"/><style:footer-style><style:header-footer-properties fo:min-height="0.8cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout></office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1"><style:footer>RUNNINGMARK<text:p text:style-name="Footer"><text:page-number text:select-page="current">1</text:page-number></text:p></style:footer></style:master-page></office:master-styles>
</office:document-styles>`

// odtStylesWith is odtStyles with the running mark of a draft for public
// comment, if any, over the page number of every page's footer.
func odtStylesWith(mark string) string {
	p := ""
	if mark != "" {
		p = `<text:p text:style-name="Footer">` + xmlText(mark) + `</text:p>`
	}
	return strings.Replace(odtStyles, "RUNNINGMARK", p, 1)
}
