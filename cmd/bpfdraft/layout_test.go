package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The repository's rules of layout, checked on every test run: every
// package has exactly one package comment, and imports point one way
// (cmd → ui → app → {crdt, sync}); automerge, libp2p and Fyne each stay
// in their home packages.

const module = "github.com/igf-bpf/bpfdraft"

type pkgInfo struct {
	docs        int
	imports     map[string]bool
	testImports map[string]bool // of its _test.go files
}

func loadPackages(t *testing.T) map[string]*pkgInfo {
	root := filepath.Join("..", "..")
	pkgs := map[string]*pkgInfo{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		p := pkgs[rel]
		if p == nil {
			p = &pkgInfo{imports: map[string]bool{}, testImports: map[string]bool{}}
			pkgs[rel] = p
		}
		if strings.HasSuffix(path, "_test.go") {
			for _, imp := range f.Imports {
				v, _ := strconv.Unquote(imp.Path.Value)
				p.testImports[v] = true
			}
			return nil
		}
		if f.Doc != nil {
			p.docs++
		}
		for _, imp := range f.Imports {
			v, _ := strconv.Unquote(imp.Path.Value)
			p.imports[v] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

func TestPackageDocs(t *testing.T) {
	for dir, p := range loadPackages(t) {
		if p.docs != 1 {
			t.Errorf("package %s has %d package comments, want exactly 1", dir, p.docs)
		}
	}
}

func TestImportBoundaries(t *testing.T) {
	rules := []struct {
		prefix  string
		allowed func(dir string) bool
	}{
		{"github.com/automerge/", func(d string) bool { return d == "crdt" }},
		{"github.com/libp2p", func(d string) bool {
			return strings.HasPrefix(d, "sync/p2p") || strings.HasPrefix(d, "sync/relay") || d == "cmd/bpfrelay"
		}},
		{"fyne.io/", func(d string) bool { return strings.HasPrefix(d, "ui") || d == "cmd/bpfdraft" }},
		{module + "/ui", func(d string) bool { return strings.HasPrefix(d, "cmd/") || strings.HasPrefix(d, "ui") }},
		{module + "/app", func(d string) bool {
			return strings.HasPrefix(d, "cmd/") || strings.HasPrefix(d, "ui") || strings.HasPrefix(d, "app")
		}},
		{module + "/cmd", func(string) bool { return false }},
	}
	for dir, p := range loadPackages(t) {
		dir = filepath.ToSlash(dir)
		// Tests keep to the libraries' homes too (rules[:3]): a test that
		// reached into libp2p would tie its package to it all the same.
		for imp := range p.testImports {
			for _, r := range rules[:3] {
				if strings.HasPrefix(imp, r.prefix) && !r.allowed(dir) {
					t.Errorf("a test of %s imports %s, which only its home packages may import", dir, imp)
				}
			}
		}
		for imp := range p.imports {
			if strings.HasPrefix(imp, module+"/"+dir+"/") {
				continue // a command's own package (cmd/bpfdraft/localeenv)
			}
			for _, r := range rules {
				if strings.HasPrefix(imp, r.prefix) && !r.allowed(dir) {
					t.Errorf("%s imports %s, which only its home packages may import", dir, imp)
				}
			}
			if (strings.HasPrefix(dir, "crdt") || strings.HasPrefix(dir, "sync")) && strings.HasPrefix(imp, module+"/app") {
				t.Errorf("%s imports %s: dependencies point cmd → ui → app → {crdt, sync}", dir, imp)
			}
		}
	}
	if _, err := os.Stat(filepath.Join("..", "..", "go.mod")); err != nil {
		t.Fatal("layout test must run from cmd/bpfdraft")
	}
}
