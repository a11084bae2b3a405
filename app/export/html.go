package export

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// HTML writes a publication as one self-contained page (no files beside
// it, no scripts): a title page, the summary, a table of contents, the
// numbered headings with every paragraph's number in the margin, and the
// people and institutions at the end. Printing it from a browser gives a
// paged document (CSS paged media: page breaks and margins).
func HTML(p Publication) []byte {
	var b bytes.Buffer
	if err := htmlPage.Execute(&b, p); err != nil {
		// The template is fixed and its data plain: an error here is a bug.
		panic(fmt.Sprintf("export: HTML template: %v", err))
	}
	return b.Bytes()
}

// Labels of the published document. English for now: the document's own
// language (meta.lang) chooses them once translations exist.
const (
	labelForum        = "Internet Governance Forum"
	labelBPF          = "Best Practice Forum"
	labelProposal     = "Proposal for a new Best Practice Forum"
	labelForComment   = "Draft for public comment"
	labelSummary      = "Executive summary"
	labelContents     = "Contents"
	labelCoFacils     = "Co-facilitators"
	labelContributors = "Acknowledgements"
	labelAckIntro     = "This output is the work of the participants of the Best Practice Forum, listed by stakeholder group, each with their regional group."
	labelAnnex        = "Annex"
	labelRapporteur   = "Rapporteur"
	labelDissem       = "Dissemination"
	labelVersion      = "Version"
	labelTheme        = "Theme"
	labelNoText       = "No text under this heading yet."
	labelConsultation = "Public consultation"
	labelNotes        = "Notes"
)

var htmlFuncs = template.FuncMap{
	"dir": func(rtl bool) string {
		if rtl {
			return "rtl"
		}
		return "ltr"
	},
	"spans": func(ss []Span) template.HTML {
		var b strings.Builder
		for _, s := range ss {
			t := template.HTMLEscapeString(s.Text)
			t = strings.ReplaceAll(t, "\n", "<br>")
			if s.Note > 0 {
				// An endnote's reference, linked both ways.
				fmt.Fprintf(&b, `<sup class="fnref"><a href="#fn%d" id="fnref%d" role="doc-noteref">%d</a></sup>`, s.Note, s.Note, s.Note)
				continue
			}
			if s.Italic {
				t = "<em>" + t + "</em>"
			}
			if s.Bold {
				t = "<strong>" + t + "</strong>"
			}
			if s.URL != "" {
				t = `<a href="` + template.HTMLEscapeString(s.URL) + `">` + t + `</a>`
			}
			b.WriteString(t)
		}
		return template.HTML(b.String())
	},
	"date": func(p Publication) string {
		if p.Date.IsZero() {
			return ""
		}
		return p.Date.Format("2 January 2006")
	},
	"label": func(name string) string { return labels[name] },
}

var labels = map[string]string{
	"forum": labelForum, "bpf": labelBPF, "proposal": labelProposal, "forcomment": labelForComment,
	"summary": labelSummary, "contents": labelContents, "cofacils": labelCoFacils,
	"contributors": labelContributors, "ackintro": labelAckIntro, "notes": labelNotes, "dissem": labelDissem, "version": labelVersion,
	"theme": labelTheme, "notext": labelNoText, "consultation": labelConsultation,
}

var htmlPage = template.Must(template.New("page").Funcs(htmlFuncs).Parse(`<!DOCTYPE html>
<html lang="{{.Language}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
@page { size: A4; margin: 25mm 22mm 25mm 28mm; }
body { font-family: "Noto Serif", "DejaVu Serif", Georgia, serif; font-size: 11.5pt; line-height: 1.5; color: #1b1b1b; max-width: 46em; margin: 2em auto; padding: 0 3em; }
.title-page { text-align: center; padding: 4em 0 3em; border-bottom: 1px solid #999; margin-bottom: 2em; page-break-after: always; }
.forum { font-size: 1.1em; letter-spacing: .08em; text-transform: uppercase; color: #0b4f8a; }
.kind { font-size: 1em; margin-top: .3em; }
h1 { font-size: 2em; margin: 1.2em 0 .4em; }
.theme, .version, .lead { margin: .3em 0; }
.stamp { display: inline-block; margin-top: 1.5em; padding: .3em 1em; border: 2px solid #a11; color: #a11; font-weight: bold; text-transform: uppercase; letter-spacing: .05em; }
h2 { font-size: 1.35em; margin: 1.6em 0 .6em; color: #0b4f8a; page-break-after: avoid; }
nav ol { list-style: none; padding: 0; }
nav li { margin: .2em 0; }
nav a { color: inherit; text-decoration: none; }
.para { position: relative; margin: 0 0 .8em; }
.pn { position: absolute; left: -3em; width: 2.5em; text-align: right; color: #666; font-size: .85em; font-family: "Noto Sans", "DejaVu Sans", sans-serif; }
.para[dir="rtl"] .pn { left: auto; right: -3em; text-align: left; }
.para p { margin: 0 0 .4em; }
.empty { color: #777; font-style: italic; }
.people h3 { font-size: 1em; margin: .8em 0 .2em; }
</style>
</head>
<body>
<section class="title-page">
<div class="forum">{{label "forum"}}</div>
<div class="kind">{{if .Proposal}}{{label "proposal"}}{{else}}{{label "bpf"}}{{end}}</div>
<h1>{{.Title}}</h1>
{{if .Theme}}<p class="theme">{{label "theme"}}: {{.Theme}}</p>{{end}}
{{if .Year}}<p class="year">{{.Year}}</p>{{end}}
{{if .Version}}<p class="version">{{label "version"}}: {{.Version}}{{with date .}} · {{.}}{{end}}</p>{{else}}{{with date .}}<p class="version">{{.}}</p>{{end}}{{end}}
{{range .LeadLines}}<p class="lead">{{.}}</p>{{end}}
{{if .ForComment}}<div class="stamp">{{label "forcomment"}}</div>{{end}}
</section>
{{if .Summary}}<section class="summary">
<h2>{{label "summary"}}</h2>
{{range .Summary}}<div class="para" dir="{{dir .RTL}}"{{with .Lang}} lang="{{.}}"{{end}}>{{range .Blocks}}{{if .List}}{{if .Ordered}}<ol>{{else}}<ul>{{end}}{{range .Items}}<li>{{spans .}}</li>{{end}}{{if .Ordered}}</ol>{{else}}</ul>{{end}}{{else}}<p>{{spans .Spans}}</p>{{end}}{{end}}</div>
{{end}}</section>{{end}}
<nav>
<h2>{{label "contents"}}</h2>
<ol>
{{range .Parts}}<li><a href="#{{.Anchor}}">{{.Title}}</a></li>
{{end}}</ol>
</nav>
<main>
{{range .Parts}}<section>
<h2 id="{{.Anchor}}" dir="{{dir .RTL}}">{{.Title}}</h2>
{{range .Paras}}<div class="para" id="p{{.Number}}" dir="{{dir .RTL}}"{{with .Lang}} lang="{{.}}"{{end}}><span class="pn">{{.Number}}</span>{{range .Blocks}}{{if .List}}{{if .Ordered}}<ol>{{else}}<ul>{{end}}{{range .Items}}<li>{{spans .}}</li>{{end}}{{if .Ordered}}</ol>{{else}}</ul>{{end}}{{else}}<p>{{spans .Spans}}</p>{{end}}{{end}}</div>
{{else}}<p class="empty">{{label "notext"}}</p>
{{end}}</section>
{{end}}</main>
{{if .Notes}}<section class="notes" role="doc-endnotes">
<h2>{{label "notes"}}</h2>
<ol>{{range .Notes}}<li id="fn{{.Number}}">{{spans .Spans}} <a href="#fnref{{.Number}}" role="doc-backlink">↩</a></li>
{{end}}</ol>
</section>{{end}}
<section class="people">
{{if .Consultation}}<h2>{{label "consultation"}}</h2>
<p>{{.Consultation}}</p>{{end}}
{{if .Contributors}}<h2>{{label "contributors"}}</h2>
<p>{{label "ackintro"}}</p>
{{range .Contributors}}<h3>{{.Group}}</h3>
<ul>{{range .Names}}<li>{{.}}</li>{{end}}</ul>
{{end}}{{end}}
{{if .Dissemination}}<h2>{{label "dissem"}}</h2>
<ul>{{range .Dissemination}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
</body>
</html>
`))
