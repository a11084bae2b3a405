// Package assets holds the files BPF Draft ships inside its binary: the
// application icon, which is also the window icon and the one FyneApp.toml
// names for packaging.
package assets

import _ "embed"

// IconPNG is the application icon, a 512×512 PNG.
//
//go:embed icon.png
var IconPNG []byte
