package export

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is one published format.
type Format struct {
	Name   string // what --format takes
	Ext    string // the file extension, with its dot
	Label  string // what the window's menu shows
	Render func(Publication) ([]byte, error)
}

// Formats lists the published formats, in the order menus show them.
var Formats = []Format{
	{"pdf", ".pdf", "PDF (.pdf)", PDF},
	{"docx", ".docx", "Word (.docx)", DOCX},
	{"odt", ".odt", "OpenDocument text (.odt)", ODT},
	{"html", ".html", "Web page (.html)", func(p Publication) ([]byte, error) { return HTML(p), nil }},
	{"md", ".md", "Markdown (.md)", func(p Publication) ([]byte, error) { return Markdown(p), nil }},
	{"comment-template", ".csv", "Comment template for commenters (.csv)", func(p Publication) ([]byte, error) { return CommentTemplate(p), nil }},
}

// DispositionFormat is one way to write the disposition table.
type DispositionFormat struct {
	Name   string
	Ext    string
	Label  string
	Render func(Disposition) ([]byte, error)
}

// DispositionFormats lists them.
var DispositionFormats = []DispositionFormat{
	{"disposition-docx", ".docx", "Disposition table, Word (.docx)", DispositionDOCX},
	{"disposition-html", ".html", "Disposition table, web page (.html)", func(d Disposition) ([]byte, error) { return DispositionHTML(d), nil }},
	{"disposition-md", ".md", "Disposition table, Markdown (.md)", func(d Disposition) ([]byte, error) { return DispositionMarkdown(d), nil }},
	{"disposition-csv", ".csv", "Disposition table, spreadsheet (.csv)", func(d Disposition) ([]byte, error) { return DispositionCSV(d), nil }},
}

// FormatNamed finds a format by name (or a usual alias), or by a file
// name's extension when name is "".
func FormatNamed(name, file string) (Format, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	switch name {
	case "markdown":
		name = "md"
	case "htm":
		name = "html"
	}
	if name == "" {
		ext := strings.ToLower(filepath.Ext(file))
		if ext == ".markdown" || ext == ".htm" {
			ext = map[string]string{".markdown": ".md", ".htm": ".html"}[ext]
		}
		for _, f := range Formats {
			if f.Ext == ext && f.Render != nil && f.Name != "comment-template" {
				return f, nil
			}
		}
		return Format{}, fmt.Errorf("no format for %q: give --format", file)
	}
	for _, f := range Formats {
		if f.Name == name && f.Render != nil {
			return f, nil
		}
	}
	return Format{}, fmt.Errorf("unknown format %q", name)
}

// FileName is a draft's title made safe for a file name, with ext: what
// the window's save dialog proposes and what export -o DIR writes.
func FileName(title, ext string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`/\:*?"<>|`, r) || r < ' ' {
			return '-'
		}
		return r
	}, strings.TrimSpace(title))
	if name == "" || name == "." || name == ".." {
		name = "draft"
	}
	return name + ext
}
