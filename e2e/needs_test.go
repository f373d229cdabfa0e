//go:build e2e

package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryTestSaysWhatItNeeds: each test of this package calls needs
// (directly, first thing), so that a missing tool makes it say SKIP and
// name the tool, or fail in CI, rather than pass having run nothing.
func TestEveryTestSaysWhatItNeeds(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test files (%v)", err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Test") || fn.Name.Name == "TestMain" || fn.Name.Name == t.Name() {
				continue
			}
			n++
			if !callsNeedsFirst(fn) {
				t.Errorf("%s: %s does not begin with needs(t, tools...)", fset.Position(fn.Pos()), fn.Name.Name)
			}
		}
	}
	if n < 10 {
		t.Errorf("found %d tests, want the suite's (10 or more)", n)
	}
}

func callsNeedsFirst(fn *ast.FuncDecl) bool {
	if fn.Body == nil || len(fn.Body.List) == 0 {
		return false
	}
	stmt, ok := fn.Body.List[0].(*ast.ExprStmt)
	if !ok {
		return false
	}
	call, ok := stmt.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := call.Fun.(*ast.Ident)
	return ok && id.Name == "needs"
}
