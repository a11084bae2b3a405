package ui

import (
	"hash/fnv"
	"image/color"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/igf-bpf/bpfdraft/crdt"
)

// BPF Draft's look: the window's theme wraps Fyne's (light or dark, as
// the system asks) with the app's colours (the blue of its icon for
// actions, the focus and the selection; a paper-white page in the light
// variant), a body size for the writing surface a step above the
// controls', and heading sizes for the draft's title and headings.
//
// Review colours people and stakeholder groups too. Fyne's rich text
// takes colours by theme name only, so the theme answers names of the
// form "bpf-author-HUE" and "bpf-group-N" itself; every other name goes
// to the wrapped theme.
//
// A person's colour is one of 24 (twelve hues 30° apart, each at two
// lightnesses), given in the order people joined the draft's registry
// (authorColours), so the first 24 people of a draft never share one.

const (
	authorPrefix = "bpf-author-"
	groupPrefix  = "bpf-group-"

	// sizeBody is the writing surface's text size.
	sizeBody fyne.ThemeSizeName = "bpf-body"
	// colourHint is the colour of a heading's hint: quieter than the
	// text, louder than a placeholder.
	colourHint fyne.ThemeColorName = "bpf-hint"
)

// The app's blue, from its icon, for light and dark backgrounds.
var (
	blueLight = color.NRGBA{0x1d, 0x5d, 0x9b, 0xff}
	blueDark  = color.NRGBA{0x7f, 0xb2, 0xe5, 0xff}
)

// appTheme is BPF Draft's theme over a Fyne theme.
type appTheme struct{ fyne.Theme }

func (t appTheme) Color(name fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	s := string(name)
	dark := v == theme.VariantDark
	switch {
	case strings.HasPrefix(s, authorPrefix):
		i, _ := strconv.Atoi(strings.TrimPrefix(s, authorPrefix))
		hue, second := float64(i%12*30+15), i >= 12
		switch {
		case dark && second:
			return hsl(hue, 0.60, 0.54)
		case dark:
			return hsl(hue, 0.85, 0.66)
		case second:
			return hsl(hue, 0.70, 0.46)
		}
		return hsl(hue, 0.85, 0.30)
	case strings.HasPrefix(s, groupPrefix):
		i, _ := strconv.Atoi(strings.TrimPrefix(s, groupPrefix))
		return groupColour(i)
	}
	switch name {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink:
		if dark {
			return blueDark
		}
		return blueLight
	case theme.ColorNameFocus:
		if dark {
			return color.NRGBA{0x7f, 0xb2, 0xe5, 0x55}
		}
		return color.NRGBA{0x1d, 0x5d, 0x9b, 0x40}
	case theme.ColorNameSelection:
		if dark {
			return color.NRGBA{0x7f, 0xb2, 0xe5, 0x4c}
		}
		return color.NRGBA{0x1d, 0x5d, 0x9b, 0x30}
	case theme.ColorNameBackground:
		if !dark {
			return color.NRGBA{0xfb, 0xfa, 0xf7, 0xff} // paper, not screen white
		}
	case colourHint:
		if dark {
			return color.NRGBA{0xa8, 0xae, 0xb8, 0xff}
		}
		return color.NRGBA{0x5f, 0x66, 0x70, 0xff}
	}
	return t.Theme.Color(name, v)
}

func (t appTheme) Size(name fyne.ThemeSizeName) float32 {
	switch name {
	case sizeBody:
		return t.Theme.Size(theme.SizeNameText) + 2
	case theme.SizeNameHeadingText:
		return 26
	case theme.SizeNameSubHeadingText:
		return 19
	}
	return t.Theme.Size(name)
}

// bodySize is the writing surface's text size, also under a theme that
// is not ours (a test's).
func bodySize() float32 {
	if s := theme.Size(sizeBody); s > 0 {
		return s
	}
	return theme.TextSize() + 2
}

// useAppTheme wraps the app's theme once.
func useAppTheme(a fyne.App) {
	cur := a.Settings().Theme()
	if _, ok := cur.(appTheme); ok {
		return
	}
	if cur == nil {
		cur = theme.DefaultTheme()
	}
	a.Settings().SetTheme(appTheme{cur})
}

// authorColour names the colour of a person's text (their person id, or
// a device's actor when the registry does not know it).
func authorColour(person string) fyne.ThemeColorName {
	h := fnv.New32a()
	h.Write([]byte(person))
	return fyne.ThemeColorName(authorPrefix + strconv.Itoa(int(h.Sum32()%24)))
}

// authorColours gives the draft's people their colours in the order they
// joined its registry, which every copy shares: the first 24 people get
// 24 different colours (a hash gave two people one colour in one draft of
// twenty-four), the same on every co-author's screen. Anyone not in the
// registry falls back to a colour from their id.
func authorColours(participants []crdt.Participant, parts map[string]crdt.Participant) func(person string) fyne.ThemeColorName {
	index := map[string]int{}
	for _, p := range participants {
		person := personOf(parts, p.Actor)
		if _, seen := index[person]; !seen {
			index[person] = len(index)
		}
	}
	return func(person string) fyne.ThemeColorName {
		if i, ok := index[person]; ok {
			return fyne.ThemeColorName(authorPrefix + strconv.Itoa(i%24))
		}
		return authorColour(person)
	}
}

// groupPalette is one colour per stakeholder group, in crdt.Groups'
// order, then one for text by unknown devices: distinct hues that stay
// apart for the common forms of colour blindness (Okabe and Ito).
var groupPalette = []color.NRGBA{
	{0x00, 0x72, 0xB2, 0xff}, // blue
	{0xE6, 0x9F, 0x00, 0xff}, // orange
	{0x00, 0x9E, 0x73, 0xff}, // green
	{0xCC, 0x79, 0xA7, 0xff}, // purple
	{0xD5, 0x5E, 0x00, 0xff}, // vermilion
	{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	{0x99, 0x99, 0x99, 0xff}, // grey: unknown
}

func groupColour(i int) color.Color {
	if i < 0 || i >= len(groupPalette) {
		i = len(groupPalette) - 1
	}
	return groupPalette[i]
}

// groupIndex is a group's place in the palette.
func groupIndex(name string) int {
	for i, g := range crdt.Groups {
		if string(g) == name {
			return i
		}
	}
	return len(groupPalette) - 1
}

// hsl converts hue (degrees), saturation and lightness to a colour.
func hsl(h, s, l float64) color.Color {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	m := l - c/2
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	to := func(v float64) uint8 { return uint8(math.Round((v + m) * 255)) }
	return color.NRGBA{to(r), to(g), to(b), 0xff}
}
