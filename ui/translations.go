package ui

import (
	"embed"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// Every string the window shows goes through lang.L, keyed by its
// English text. translations/ holds English, French and Spanish; Fyne
// picks the one closest to the system's language (LANGUAGE, LANG).
// TestTranslationsComplete checks every key is translated.

//go:embed translations
var translations embed.FS

var loadOnce sync.Once

func loadTranslations() {
	loadOnce.Do(func() {
		if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
			fyne.LogError("Could not load BPF Draft's translations", err)
		}
	})
}
