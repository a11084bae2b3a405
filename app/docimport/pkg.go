package docimport

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// zipParts is a package's parts, read only when asked for and each
// bounded: a zip's own sizes are claims, so each part is read through a
// limit, not trusted.
type zipParts struct {
	name  string
	files map[string]*zip.File
}

func openPackage(name string, data []byte) (*zipParts, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %s is a damaged zip (%v); open it in Word or LibreOffice and save it again", ErrNotDocument, filepath.Base(name), err)
	}
	if len(zr.File) > maxParts {
		return nil, fmt.Errorf("%w: %s holds %d files; a document holds tens", ErrNotDocument, filepath.Base(name), len(zr.File))
	}
	p := &zipParts{name: filepath.Base(name), files: map[string]*zip.File{}}
	for _, f := range zr.File {
		p.files[f.Name] = f
	}
	return p, nil
}

// read returns a part, or nil when the package has none of that name.
func (p *zipParts) read(part string) ([]byte, error) {
	f := p.files[part]
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s cannot be read (%v)", ErrNotDocument, p.name, part, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxPartBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s is damaged (%v); open it in Word or LibreOffice and save it again", ErrNotDocument, p.name, part, err)
	}
	if len(data) > maxPartBytes {
		return nil, fmt.Errorf("%w: %s: %s inflates past %d MB, which no document's text does (a zip bomb, or a damaged file)", ErrTooLarge, p.name, part, maxPartBytes>>20)
	}
	return data, nil
}

// readPackage tells a DOCX from an ODT by the parts it holds.
func readPackage(name string, data []byte) (Document, error) {
	p, err := openPackage(name, data)
	if err != nil {
		return Document{}, err
	}
	if mt, err := p.read("mimetype"); err != nil {
		return Document{}, err
	} else if mt != nil {
		if strings.TrimSpace(string(mt)) != "application/vnd.oasis.opendocument.text" {
			return Document{}, fmt.Errorf("%w: %s is an OpenDocument file but not a text (%s); save the text as .odt", ErrNotDocument, p.name, strings.TrimSpace(string(mt)))
		}
		return readODT(p)
	}
	if p.files["word/document.xml"] != nil {
		return readDOCX(p)
	}
	return Document{}, fmt.Errorf("%w: %s is a zip but neither a .docx nor an .odt", ErrNotDocument, p.name)
}
