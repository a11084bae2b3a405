package localeenv

import (
	"os"
	"testing"
)

func TestClean(t *testing.T) {
	for _, c := range []struct{ lcAll, lang, wantAll, wantLang string }{
		{"", "C.UTF-8", "", "C"},
		{"", "POSIX.utf8", "", "C"},
		{"", "fr_FR.UTF-8", "", "fr_FR.UTF-8"},
		{"C.UTF-8", "fr_FR.UTF-8", "C", "fr_FR.UTF-8"}, // LC_ALL decides
		{"", "C", "", "C"},
	} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		Clean()
		if got, gotLang := getenv("LC_ALL"), getenv("LANG"); got != c.wantAll || gotLang != c.wantLang {
			t.Errorf("LC_ALL=%q LANG=%q became %q, %q", c.lcAll, c.lang, got, gotLang)
		}
	}
}

func getenv(k string) string { return os.Getenv(k) }
