package export

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html/template"
	"sort"
	"strings"
	"time"
)

// The disposition table answers a public-comment round: every comment
// with the paragraph it cited, who sent it, and how the co-facilitators
// handled it; with a summary of how many came from which stakeholder
// groups and regions and how they were handled. The comment template is
// what commenters fill in: one row per paragraph of the published
// version.

// Disposition is a public-comment round's table.
type Disposition struct {
	Title   string
	Version string
	Date    time.Time
	Rows    []DispositionRow
}

// DispositionRow is one public comment and its handling.
type DispositionRow struct {
	Paragraph    string // as the comment cited it
	Comment      string
	Name         string
	Organisation string
	Group        string
	Region       string
	Status       string // "" while unanswered
	Response     string
}

// Count is a label and how many rows carry it.
type Count struct {
	Label string
	N     int
}

// Summary counts the rows by group, region and status, largest first.
func (d Disposition) Summary() (groups, regions, statuses []Count) {
	count := func(key func(DispositionRow) string, none string) []Count {
		m := map[string]int{}
		for _, r := range d.Rows {
			k := key(r)
			if k == "" {
				k = none
			}
			m[k]++
		}
		var out []Count
		for k, n := range m {
			out = append(out, Count{k, n})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].N != out[j].N {
				return out[i].N > out[j].N
			}
			return out[i].Label < out[j].Label
		})
		return out
	}
	return count(func(r DispositionRow) string { return r.Group }, "not given"),
		count(func(r DispositionRow) string { return r.Region }, "not given"),
		count(func(r DispositionRow) string { return r.Status }, "not answered yet")
}

// SummaryLine says in one sentence how many public comments came, from
// which groups and regions, and how they were handled.
func (d Disposition) SummaryLine() string { return d.summaryLine() }

func (d Disposition) summaryLine() string {
	groups, regions, statuses := d.Summary()
	join := func(cs []Count) string {
		var s []string
		for _, c := range cs {
			s = append(s, fmt.Sprintf("%s %d", c.Label, c.N))
		}
		return strings.Join(s, ", ")
	}
	n := fmt.Sprintf("%d public comments", len(d.Rows))
	if len(d.Rows) == 1 {
		n = "1 public comment"
	}
	return fmt.Sprintf("%s. By stakeholder group: %s. By region: %s. Handled: %s.", n, join(groups), join(regions), join(statuses))
}

var dispositionHeader = []string{"paragraph", "comment", "name", "organisation", "stakeholder_group", "region", "status", "response"}

func (r DispositionRow) fields() []string {
	return []string{r.Paragraph, r.Comment, r.Name, r.Organisation, r.Group, r.Region, r.Status, r.Response}
}

// DispositionCSV writes the table as CSV (UTF-8 with a byte order mark,
// CRLF line ends: what spreadsheets open as UTF-8).
func DispositionCSV(d Disposition) []byte {
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(dispositionHeader)
	for _, r := range d.Rows {
		w.Write(r.fields())
	}
	w.Flush()
	return b.Bytes()
}

// DispositionMarkdown writes the table as a Markdown (GFM) table.
func DispositionMarkdown(d Disposition) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Disposition of public comments: %s\n\n", mdEscape(d.Title))
	if d.Version != "" {
		fmt.Fprintf(&b, "**%s:** %s\n\n", labelVersion, mdEscape(d.Version))
	}
	b.WriteString(d.summaryLine() + "\n\n")
	b.WriteString("| Paragraph | Comment | Commenter | Status | Response |\n|---|---|---|---|---|\n")
	cell := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(mdEscape(s), "|", `\|`), "\n", "<br>")
	}
	for _, r := range d.Rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", cell(r.Paragraph), cell(r.Comment), cell(commenter(r)), cell(r.Status), cell(r.Response))
	}
	return b.Bytes()
}

func commenter(r DispositionRow) string {
	parts := []string{r.Name}
	if r.Organisation != "" {
		parts = append(parts, r.Organisation)
	}
	var gr []string
	for _, s := range []string{r.Group, r.Region} {
		if s != "" {
			gr = append(gr, s)
		}
	}
	out := strings.Join(parts, ", ")
	if len(gr) > 0 {
		out += " (" + strings.Join(gr, ", ") + ")"
	}
	return strings.TrimSpace(out)
}

var dispositionPage = template.Must(template.New("disposition").Funcs(template.FuncMap{
	"commenter": commenter,
	"lines": func(s string) template.HTML {
		return template.HTML(strings.ReplaceAll(template.HTMLEscapeString(s), "\n", "<br>"))
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Disposition of public comments: {{.D.Title}}</title>
<style>body{font-family:"Noto Sans","DejaVu Sans",sans-serif;margin:2em}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.4em;vertical-align:top;text-align:start}th{background:#e8eef5}</style></head>
<body><h1>Disposition of public comments: {{.D.Title}}</h1>
{{if .D.Version}}<p>Version: {{.D.Version}}</p>{{end}}
<p>{{.Summary}}</p>
<table><thead><tr><th>Paragraph</th><th>Comment</th><th>Commenter</th><th>Status</th><th>Response</th></tr></thead><tbody>
{{range .D.Rows}}<tr><td>{{.Paragraph}}</td><td dir="auto">{{lines .Comment}}</td><td>{{commenter .}}</td><td>{{.Status}}</td><td dir="auto">{{lines .Response}}</td></tr>
{{end}}</tbody></table></body></html>
`))

// DispositionHTML writes the table as a web page.
func DispositionHTML(d Disposition) []byte {
	var b bytes.Buffer
	if err := dispositionPage.Execute(&b, struct {
		D       Disposition
		Summary string
	}{d, d.summaryLine()}); err != nil {
		panic(fmt.Sprintf("export: disposition template: %v", err))
	}
	return b.Bytes()
}

// DispositionDOCX writes the table as a Word document with a real table.
func DispositionDOCX(d Disposition) ([]byte, error) {
	var doc strings.Builder
	doc.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:body>`)
	para := func(style, text string) {
		fmt.Fprintf(&doc, `<w:p><w:pPr><w:pStyle w:val="%s"/></w:pPr>%s</w:p>`, style, run(text, false, false, rightToLeft(text)))
	}
	para("Heading1", "Disposition of public comments: "+d.Title)
	if d.Version != "" {
		para("Normal", labelVersion+": "+d.Version)
	}
	para("Normal", d.summaryLine())
	doc.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/><w:tblBorders><w:top w:val="single" w:sz="4"/><w:left w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/><w:right w:val="single" w:sz="4"/><w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr>`)
	// The grid is required (ECMA-376 §17.4.49): readers size the columns
	// from it, and python-docx cannot read a cell without it. The widths
	// share the landscape page's text width (16,838 − 2 × 1,134 twips).
	cols := []int{1300, 4700, 2700, 1300, 4570}
	doc.WriteString(`<w:tblGrid>`)
	for _, w := range cols {
		fmt.Fprintf(&doc, `<w:gridCol w:w="%d"/>`, w)
	}
	doc.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		doc.WriteString(`<w:tr>`)
		if header {
			doc.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for i, c := range cells {
			rtl := rightToLeft(c)
			fmt.Fprintf(&doc, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr><w:p>`, cols[i])
			if rtl {
				doc.WriteString(`<w:pPr><w:bidi/></w:pPr>`)
			}
			doc.WriteString(run(c, header, false, rtl) + `</w:p></w:tc>`)
		}
		doc.WriteString(`</w:tr>`)
	}
	row([]string{"Paragraph", "Comment", "Commenter", "Status", "Response"}, true)
	for _, r := range d.Rows {
		row([]string{r.Paragraph, r.Comment, commenter(r), r.Status, r.Response}, false)
	}
	doc.WriteString(`</w:tbl><w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr></w:body></w:document>`)
	return writePackage([]packagePart{
		{name: "[Content_Types].xml", body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`},
		{name: "_rels/.rels", body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{name: "word/_rels/document.xml.rels", body: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		{name: "word/document.xml", body: doc.String()},
		{name: "word/styles.xml", body: docxStyles},
	}, d.Date)
}

// CommentTemplate writes the CSV commenters fill in: the header a
// comments import reads, and one row per paragraph of the publication
// with its number and first words, the other columns empty but the last,
// which names the version the numbers are from (its id): an import
// attaches the rows to that version, whichever is newest by then.
func CommentTemplate(p Publication) []byte {
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"paragraph", "first_words", "name", "organisation", "stakeholder_group", "region", "comment", "version"})
	for _, part := range p.Parts {
		for _, para := range part.Paras {
			w.Write([]string{para.Number, firstWords(para.Plain(), 12), "", "", "", "", "", p.VersionID})
		}
	}
	w.Flush()
	return b.Bytes()
}

func firstWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) <= n {
		return strings.Join(f, " ")
	}
	return strings.Join(f[:n], " ") + " …"
}
