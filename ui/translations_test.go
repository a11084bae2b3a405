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
)

// uiStrings collects the English keys the window translates: literal
// arguments of lang.L and of the menu's item helper, the export formats'
// names and the contribution kinds.
func uiStrings(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	seen := map[string]bool{}
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
				if x, ok := fn.X.(*ast.Ident); ok && x.Name == "lang" && fn.Sel.Name == "L" {
					name = "L"
				}
			case *ast.Ident:
				if fn.Name == "item" {
					name = "item"
				}
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && name != "" && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				seen[s] = true
			}
			return true
		})
	}
	for _, f := range exportFormats {
		seen[f.name] = true
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

var verbs = regexp.MustCompile(`%[a-z]`)

func TestTranslationsComplete(t *testing.T) {
	keys := uiStrings(t)
	if len(keys) < 100 {
		t.Fatalf("only %d strings found: is the scan broken?", len(keys))
	}
	for _, l := range []string{"en", "fr", "es"} {
		data, err := os.ReadFile(filepath.Join("translations", l+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var tr map[string]string
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		for _, k := range keys {
			v, ok := tr[k]
			if !ok || v == "" {
				t.Errorf("%s.json lacks %q", l, k)
				continue
			}
			if !slices.Equal(verbs.FindAllString(k, -1), verbs.FindAllString(v, -1)) {
				t.Errorf("%s.json: %q has other %%-verbs than %q", l, v, k)
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
}
