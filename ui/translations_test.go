package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"

	"github.com/igf-bpf/bpfdraft/app/online"
	"github.com/igf-bpf/bpfdraft/crdt"
)

// uiStrings collects the English keys the window translates: literal
// arguments of lang.L, lang.N (plural: true) and of the menu's item
// helper, and the export formats' names.
func uiStrings(t *testing.T) (keys []string, plural map[string]bool) {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	seen := map[string]bool{}
	plural = map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			name := ""
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "lang" && (fn.Sel.Name == "L" || fn.Sel.Name == "N") {
					name = fn.Sel.Name
				}
			case *ast.Ident:
				if fn.Name == "item" {
					name = "item"
				}
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && name != "" && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				seen[s] = true
				plural[s] = name == "N"
			}
			return true
		})
	}
	for _, f := range exportFormats {
		seen[f.name] = true
	}
	for s := range seen {
		keys = append(keys, s)
	}
	slices.Sort(keys)
	return keys, plural
}

// pluralForms are the forms each language's counts need (CLDR, as
// go-i18n applies them): French and Spanish say "many" for millions.
var pluralForms = map[string][]string{"en": {"one", "other"}, "fr": {"one", "many", "other"}, "es": {"one", "many", "other"}}

var verbs = regexp.MustCompile(`%[a-z]`)

func TestTranslationsComplete(t *testing.T) {
	keys, plural := uiStrings(t)
	if len(keys) < 100 {
		t.Fatalf("only %d strings found: is the scan broken?", len(keys))
	}
	for _, l := range []string{"en", "fr", "es"} {
		data, err := os.ReadFile(filepath.Join("translations", l+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var tr map[string]json.RawMessage
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for _, k := range keys {
			raw, ok := tr[k]
			if !ok {
				t.Errorf("%s.json lacks %q", l, k)
				continue
			}
			var forms map[string]string
			if plural[k] {
				if err := json.Unmarshal(raw, &forms); err != nil {
					t.Errorf("%s.json: %q is counted, so it needs plural forms: %v", l, k, err)
					continue
				}
				for _, f := range pluralForms[l] {
					if forms[f] == "" {
						t.Errorf("%s.json: %q lacks its %q form", l, k, f)
					}
				}
			} else {
				var v string
				if err := json.Unmarshal(raw, &v); err != nil {
					t.Errorf("%s.json: %q is not counted: its translation is a string, not %s", l, k, raw)
					continue
				}
				forms = map[string]string{"": v}
			}
			for f, v := range forms {
				if v == "" || !slices.Equal(verbs.FindAllString(k, -1), verbs.FindAllString(v, -1)) {
					t.Errorf("%s.json: %q (%s) has other %%-verbs than %q", l, v, f, k)
				}
			}
		}
		for k := range tr {
			if !slices.Contains(keys, k) {
				t.Errorf("%s.json has %q, which the window no longer shows", l, k)
			}
		}
	}
}

// TestFrenchWindow loads the translations with a French system language.
func TestFrenchWindow(t *testing.T) {
	t.Setenv("LANGUAGE", "fr")
	t.Setenv("LANG", "fr_FR.UTF-8")
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Setenv("LANGUAGE", "en")
		lang.AddTranslationsFS(translations, "translations")
	})
	if got := lang.L("Sync now"); got != "Synchroniser" {
		t.Errorf("Sync now in French is %q", got)
	}
	for n, want := range map[int]string{1: "1 mot", 2: "2 mots", 1000: "1000 mots"} {
		if got := fillLabel(crdt.Section{Body: strings.Repeat("mot ", n)}); got != want {
			t.Errorf("%d words in French: %q, want %q", n, got, want)
		}
	}
}

func TestPluralsInEnglish(t *testing.T) {
	loadTranslations()
	for n, want := range map[int]string{1: "1 word", 2: "2 words"} {
		if got := fillLabel(crdt.Section{Body: strings.Repeat("word ", n)}); got != want {
			t.Errorf("%d words: %q", n, got)
		}
	}
	if got := statusText(online.Status{State: online.Synced, Peers: 1}, true, nil); got != "Synced with 1 peer" {
		t.Errorf("one peer: %q", got)
	}
}
