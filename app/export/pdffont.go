package export

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-text/typesetting/font"
)

// Fonts for the PDF. A PDF carries the fonts it uses, so the export
// reads them from the machine: TrueType (glyf) fonts of the Debian
// packages every desktop has or can install, chosen per role. Each is
// embedded as a subset (only the glyphs the document draws, renumbered),
// so a Latin-only output carries a few dozen kilobytes of font, and
// Chinese text brings in only the characters it uses.

// fontRole is what a face is used for.
type fontRole int

const (
	serifRegular fontRole = iota
	serifBold
	serifItalic
	sansRegular // also the Arabic and Hebrew face: DejaVu Sans has both, joined
	sansBold
	cjk
	roleCount
)

// fontChoice is where a role's face may be found, best first, and what
// installs it.
type fontChoice struct {
	files  []string // file names to look for under the font directories
	name   string   // how the error names it
	pkg    string   // the Debian package
	covers string   // what text needs it, for the error
}

var fontChoices = [roleCount]fontChoice{
	serifRegular: {files: []string{"DejaVuSerif.ttf", "NotoSerif-Regular.ttf"}, name: "DejaVu Serif", pkg: "fonts-dejavu-core", covers: "the text"},
	serifBold:    {files: []string{"DejaVuSerif-Bold.ttf", "NotoSerif-Bold.ttf"}, name: "DejaVu Serif Bold", pkg: "fonts-dejavu-core", covers: "headings"},
	serifItalic:  {files: []string{"DejaVuSerif-Italic.ttf", "NotoSerif-Italic.ttf"}, name: "DejaVu Serif Italic", pkg: "fonts-dejavu-extra", covers: "italics"},
	sansRegular:  {files: []string{"DejaVuSans.ttf", "NotoSans-Regular.ttf"}, name: "DejaVu Sans", pkg: "fonts-dejavu-core", covers: "Arabic and Hebrew text"},
	sansBold:     {files: []string{"DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf"}, name: "DejaVu Sans Bold", pkg: "fonts-dejavu-core", covers: "bold Arabic and Hebrew text"},
	// AR PL UMing is a Ming (serif) face, as the body text is; Droid Sans
	// Fallback, a sans, serves where it is not installed.
	cjk: {files: []string{"uming.ttc", "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf"}, name: "AR PL UMing", pkg: "fonts-arphic-uming", covers: "Chinese, Japanese and Korean text"},
}

// fontDirs are where fonts are looked for: BPFDRAFT_FONTS first (a
// directory of .ttf files), then the system's and the user's.
func fontDirs() []string {
	var dirs []string
	if d := os.Getenv("BPFDRAFT_FONTS"); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, "/usr/share/fonts", "/usr/local/share/fonts")
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".local/share/fonts"), filepath.Join(home, ".fonts"))
	}
	return dirs
}

// fontSearch lists the directories fonts are looked for in (tests
// narrow it).
var fontSearch = fontDirs

// findFont returns the path of the first file of the choice found.
func findFont(c fontChoice) string {
	found := map[string]string{}
	for _, dir := range fontSearch() {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if !d.IsDir() {
				if _, seen := found[d.Name()]; !seen {
					found[d.Name()] = path
				}
			}
			return nil
		})
	}
	for _, f := range c.files {
		if p, ok := found[f]; ok {
			return p
		}
	}
	return ""
}

// ErrFontMissing is returned when the PDF needs a font the machine lacks.
var ErrFontMissing = errors.New("a font the PDF needs is missing")

// pdfFont is one embedded face and what the document drew with it.
type pdfFont struct {
	role   fontRole
	data   []byte
	face   *font.Face
	ttf    *ttf
	used   map[glyphText]uint16 // a glyph standing for a text → its subset glyph
	texts  []string             // by subset glyph, the text it stands for (ToUnicode)
	newGID map[font.GID]uint16  // a glyph's first subset glyph (what composites point at)
	order  []font.GID           // used glyphs in new-GID order (0 is .notdef)
	name   string               // the PostScript-ish name, for the PDF
}

// loadFont reads a role's face, or says what to install.
func loadFont(role fontRole) (*pdfFont, error) {
	c := fontChoices[role]
	path := findFont(c)
	if path == "" {
		return nil, fmt.Errorf("%w: %s (for %s); install it with `sudo apt-get install %s`, or put a copy of %s in the directory BPFDRAFT_FONTS names",
			ErrFontMissing, c.name, c.covers, c.pkg, c.files[0])
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var face *font.Face
	if bytes.HasPrefix(data, []byte("ttcf")) {
		// A collection (AR PL UMing): its first face.
		faces, err := font.ParseTTC(bytes.NewReader(data))
		if err != nil || len(faces) == 0 {
			return nil, fmt.Errorf("font %s: %v", path, err)
		}
		face = faces[0]
	} else if face, err = font.ParseTTF(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	t, err := parseTTF(data)
	if err != nil {
		return nil, fmt.Errorf("font %s: %w", path, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	name = strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, name)
	return &pdfFont{role: role, data: data, face: face, ttf: t, name: name}, nil
}

// use records a glyph drawn for some text and returns its id in the
// subset.
func (f *pdfFont) use(g font.GID, text string) uint16 {
	if f.newGID == nil {
		f.newGID, f.used = map[font.GID]uint16{0: 0}, map[glyphText]uint16{}
		f.order, f.texts = []font.GID{0}, []string{""}
	}
	if text == "" {
		if id, ok := f.newGID[g]; ok {
			return id
		}
	} else if id, ok := f.used[glyphText{g, text}]; ok {
		return id
	} else if id, ok := f.newGID[g]; ok && f.texts[id] == "" {
		f.texts[id], f.used[glyphText{g, text}] = text, id
		return id
	}
	// A glyph new to the subset, or one that stands for another text
	// here: a right-to-left "(" is drawn with the ")" glyph (mirrored),
	// and ToUnicode can give one text per glyph, so the glyph goes in the
	// subset twice, each copy with its own text.
	id := uint16(len(f.order))
	f.order, f.texts = append(f.order, g), append(f.texts, text)
	if _, ok := f.newGID[g]; !ok {
		f.newGID[g] = id
	}
	if text != "" {
		f.used[glyphText{g, text}] = id
	}
	return id
}

// glyphText is a glyph and the text it stands for.
type glyphText struct {
	g    font.GID
	text string
}

// ttf is the parts of a TrueType font a subset needs.
type ttf struct {
	tables     map[string][]byte
	unitsPerEm int
	numGlyphs  int
	longLoca   bool
	numHMetric int
}

func parseTTF(data []byte) (*ttf, error) {
	if len(data) < 16 {
		return nil, errors.New("too short for a font")
	}
	// A collection's first font: its table directory is where the
	// header says, and its tables' offsets count from the file's start.
	dir := data
	if string(data[:4]) == "ttcf" {
		off := binary.BigEndian.Uint32(data[12:])
		if uint64(off)+12 > uint64(len(data)) {
			return nil, errors.New("font collection cut short")
		}
		dir = data[off:]
	}
	if v := binary.BigEndian.Uint32(dir); v != 0x00010000 && v != 0x74727565 {
		return nil, errors.New("not a TrueType (glyf) font")
	}
	n := int(binary.BigEndian.Uint16(dir[4:]))
	t := &ttf{tables: map[string][]byte{}}
	for i := 0; i < n; i++ {
		if 12+16*i > len(dir) {
			return nil, errors.New("table directory cut short")
		}
		rec := dir[12+16*i:]
		if len(rec) < 16 {
			return nil, errors.New("table directory cut short")
		}
		off, ln := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(ln) > uint64(len(data)) {
			return nil, errors.New("table past the end")
		}
		t.tables[string(rec[:4])] = data[off : off+ln]
	}
	for _, need := range []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf"} {
		if t.tables[need] == nil {
			return nil, fmt.Errorf("no %s table", need)
		}
	}
	head, maxp, hhea := t.tables["head"], t.tables["maxp"], t.tables["hhea"]
	if len(head) < 54 || len(maxp) < 6 || len(hhea) < 36 {
		return nil, errors.New("short head, maxp or hhea")
	}
	t.unitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	t.longLoca = binary.BigEndian.Uint16(head[50:]) == 1
	t.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	t.numHMetric = int(binary.BigEndian.Uint16(hhea[34:]))
	return t, nil
}

// glyph returns a glyph's outline data.
func (t *ttf) glyph(g int) []byte {
	loca, glyf := t.tables["loca"], t.tables["glyf"]
	if g < 0 || g >= t.numGlyphs {
		return nil
	}
	var a, b int
	if t.longLoca {
		if 4*g+8 > len(loca) {
			return nil
		}
		a, b = int(binary.BigEndian.Uint32(loca[4*g:])), int(binary.BigEndian.Uint32(loca[4*g+4:]))
	} else {
		if 2*g+4 > len(loca) {
			return nil
		}
		a, b = 2*int(binary.BigEndian.Uint16(loca[2*g:])), 2*int(binary.BigEndian.Uint16(loca[2*g+2:]))
	}
	if a > b || b > len(glyf) {
		return nil
	}
	return glyf[a:b]
}

// advance returns a glyph's advance width in font units.
func (t *ttf) advance(g int) int {
	hmtx := t.tables["hmtx"]
	i := min(g, t.numHMetric-1)
	if i < 0 || 4*i+2 > len(hmtx) {
		return 0
	}
	return int(binary.BigEndian.Uint16(hmtx[4*i:]))
}

// lsb returns a glyph's left side bearing in font units.
func (t *ttf) lsb(g int) int16 {
	hmtx := t.tables["hmtx"]
	at := 4*g + 2
	if g >= t.numHMetric {
		at = 4*t.numHMetric + 2*(g-t.numHMetric)
	}
	if at < 0 || at+2 > len(hmtx) {
		return 0
	}
	return int16(binary.BigEndian.Uint16(hmtx[at:]))
}

// components calls f with each component glyph of a composite glyph and
// the offset of its index in the data.
func components(data []byte, f func(g int, at int)) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return
	}
	p := 10
	for p+4 <= len(data) {
		flags := binary.BigEndian.Uint16(data[p:])
		f(int(binary.BigEndian.Uint16(data[p+2:])), p+2)
		p += 4
		if flags&0x0001 != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0:
			p += 2
		case flags&0x0040 != 0:
			p += 4
		case flags&0x0080 != 0:
			p += 8
		}
		if flags&0x0020 == 0 {
			return
		}
	}
}

// subset returns a TrueType font holding only the used glyphs (and the
// parts of composite glyphs), renumbered as use numbered them.
func (f *pdfFont) subset() []byte {
	t := f.ttf
	// Composite glyphs bring their components along.
	for i := 0; i < len(f.order); i++ {
		components(t.glyph(int(f.order[i])), func(g int, _ int) { f.use(font.GID(g), "") })
	}
	n := len(f.order)
	var glyf, loca, hmtx bytes.Buffer
	for _, old := range f.order {
		binary.Write(&loca, binary.BigEndian, uint32(glyf.Len()))
		data := append([]byte(nil), t.glyph(int(old))...)
		components(data, func(g int, at int) {
			binary.BigEndian.PutUint16(data[at:], f.newGID[font.GID(g)])
		})
		glyf.Write(data)
		for glyf.Len()%4 != 0 {
			glyf.WriteByte(0)
		}
		binary.Write(&hmtx, binary.BigEndian, uint16(t.advance(int(old))))
		binary.Write(&hmtx, binary.BigEndian, t.lsb(int(old)))
	}
	binary.Write(&loca, binary.BigEndian, uint32(glyf.Len()))
	head := append([]byte(nil), t.tables["head"]...)
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, recomputed by no one: readers ignore it
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := append([]byte(nil), t.tables["hhea"]...)
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	maxp := append([]byte(nil), t.tables["maxp"]...)
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	post := make([]byte, 32)
	if p := t.tables["post"]; len(p) >= 32 {
		copy(post, p[:32])
	}
	binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names
	tables := map[string][]byte{"head": head, "hhea": hhea, "maxp": maxp, "hmtx": hmtx.Bytes(), "loca": loca.Bytes(), "glyf": glyf.Bytes(), "post": post}
	for _, keep := range []string{"cvt ", "fpgm", "prep", "OS/2", "name"} {
		if d := t.tables[keep]; d != nil {
			tables[keep] = d
		}
	}
	return writeSFNT(tables)
}

// writeSFNT lays tables out as a font file, sorted by tag, each on a
// four-byte boundary with its checksum.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	var out bytes.Buffer
	n := len(tags)
	es := 0
	for 1<<(es+1) <= n {
		es++
	}
	binary.Write(&out, binary.BigEndian, []uint16{1, 0, uint16(n), uint16(16 << es), uint16(es), uint16(16*n - 16<<es)})
	off := 12 + 16*n
	var body bytes.Buffer
	for _, tag := range tags {
		d := tables[tag]
		sum := uint32(0)
		padded := append(append([]byte(nil), d...), make([]byte, (4-len(d)%4)%4)...)
		for i := 0; i < len(padded); i += 4 {
			sum += binary.BigEndian.Uint32(padded[i:])
		}
		out.WriteString(tag)
		binary.Write(&out, binary.BigEndian, []uint32{sum, uint32(off + body.Len()), uint32(len(d))})
		body.Write(padded)
	}
	out.Write(body.Bytes())
	return out.Bytes()
}
