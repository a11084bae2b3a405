package export

import (
	"archive/zip"
	"bytes"
	"time"
)

// packagePart is one file of a DOCX or ODT package.
type packagePart struct {
	name   string
	body   string
	stored bool // not compressed (an ODT's mimetype, which comes first)
}

// writePackage zips a document's parts, in order, stamped with modified.
func writePackage(parts []packagePart, modified time.Time) ([]byte, error) {
	var out bytes.Buffer
	z := zip.NewWriter(&out)
	for _, part := range parts {
		method := zip.Deflate
		if part.stored {
			method = zip.Store
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: part.name, Method: method, Modified: modified})
		if err != nil {
			return nil, err
		}
		if _, err := f.Write([]byte(part.body)); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
