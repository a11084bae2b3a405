package ui

import "slices"

// Co-authors' typing not committed yet (preview.go) is drawn in the text
// where it goes without being part of it: the text, the caret, the
// selection and every offset stay the document's. A row that holds some
// is wrapped again with it for the screen, taking as many rows as the
// committed text will, so that typing at the end of a full row shows on
// the next one instead of running past the column's edge; the rows below
// move down meanwhile, as they will when the commit arrives.

// ghostLayout is where the ghosts of an area show.
type ghostLayout struct {
	rows  map[int]*ghostRow // by the area's row that holds them
	order []int             // those rows, in order
	extra int               // rows added in all
}

// ghostRow is one row of the text with the ghosts in it, wrapped again.
type ghostRow struct {
	row    int
	disp   []dispRune
	breaks []int // where its screen rows start in disp; breaks[0] == 0
	m      *measurer
}

// dispRune is a character on the screen: the text's own, or a ghost's.
type dispRune struct {
	r     rune
	at    int // the text's offset before it
	ghost int // 1 + the ghost's index in the area's ghosts; 0: the text's own
}

// layGhosts lays the ghosts out; nil when there are none.
func (a *textArea) layGhosts() *ghostLayout {
	if len(a.ghosts) == 0 {
		return nil
	}
	a.measurers()
	byRow := map[int][]int{}
	for i, g := range a.ghosts {
		row, _, _ := a.rowOf(min(max(g.off, 0), len(a.text)))
		byRow[row] = append(byRow[row], i)
	}
	gl := &ghostLayout{rows: map[int]*ghostRow{}}
	for row, gs := range byRow {
		start, end, _, _ := a.row(row)
		slices.SortStableFunc(gs, func(x, y int) int { return a.ghosts[x].off - a.ghosts[y].off })
		g := &ghostRow{row: row, m: a.m}
		k := 0
		for off := start; off <= end; off++ {
			for k < len(gs) && min(max(a.ghosts[gs[k]].off, start), end) == off {
				for _, r := range a.ghosts[gs[k]].text {
					g.disp = append(g.disp, dispRune{r: r, at: off, ghost: gs[k] + 1})
				}
				k++
			}
			if off < end {
				g.disp = append(g.disp, dispRune{r: a.text[off], at: off})
			}
		}
		runes := make([]rune, len(g.disp))
		for i, d := range g.disp {
			runes[i] = d.r
		}
		g.breaks = []int{0}
		if a.wide > 0 {
			g.breaks = wrap(runes, a.wide, a.m)
		}
		gl.rows[row] = g
		gl.order = append(gl.order, row)
		gl.extra += len(g.breaks) - 1
	}
	slices.Sort(gl.order)
	return gl
}

// before is how many rows the ghosts added above row.
func (gl *ghostLayout) before(row int) int {
	if gl == nil {
		return 0
	}
	n := 0
	for _, r := range gl.order {
		if r < row {
			n += len(gl.rows[r].breaks) - 1
		}
	}
	return n
}

// total is the rows the ghosts add.
func (gl *ghostLayout) total() int {
	if gl == nil {
		return 0
	}
	return gl.extra
}

// shownRows is the area's rows on the screen, the ghosts' included.
func (a *textArea) shownRows() int { return a.rows + a.layGhosts().total() }

// sub returns the screen row within g that holds display index i.
func (g *ghostRow) sub(i int) int {
	s := 0
	for s+1 < len(g.breaks) && g.breaks[s+1] <= i {
		s++
	}
	return s
}

// placeIndex is where display index i stands: its screen row within g
// and its x.
func (g *ghostRow) placeIndex(i int) (int, float32) {
	s := g.sub(i)
	return s, g.m.measure(g.text(g.breaks[s], i))
}

// index is the display index of text offset off: before the ghosts
// that stand at it, as a caret stays before text that lands on it.
func (g *ghostRow) index(off int) int {
	for i, d := range g.disp {
		if d.at >= off {
			return i
		}
	}
	return len(g.disp)
}

// after is the display index just after the last character of ghost gi
// (1-based), or -1.
func (g *ghostRow) after(gi int) int {
	end := -1
	for i, d := range g.disp {
		if d.ghost == gi {
			end = i + 1
		}
	}
	return end
}

func (g *ghostRow) text(from, to int) string {
	rs := make([]rune, 0, to-from)
	for _, d := range g.disp[from:to] {
		rs = append(rs, d.r)
	}
	return string(rs)
}

// end returns where screen row s of g ends in disp.
func (g *ghostRow) end(s int) int {
	if s+1 < len(g.breaks) {
		return g.breaks[s+1]
	}
	return len(g.disp)
}

// offsetAt is the text offset nearest to x on screen row s of g.
func (g *ghostRow) offsetAt(s int, x float32) int {
	from, to := g.breaks[s], g.end(s)
	i := from
	for i < to && g.m.measure(g.text(from, i+1)) <= x {
		i++
	}
	if i < len(g.disp) {
		return g.disp[i].at
	}
	if len(g.disp) > 0 {
		return g.disp[len(g.disp)-1].at + 1
	}
	return 0
}
