package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/docker-credential-gcr/docker-credential-gcr"

// layers is the package graph of the binary, top-down: a package imports
// only packages of lower layers, never one of its own layer or above.
var layers = [][]string{
	{"cmd/docker-credential-gcr"},
	{"cmd"},
	{"internal/app"},
	{"credhelper", "kubelet", "configure", "doctor", "accesstoken"},
	{"settings", "internal/onpath"},
	{"token", "store", "configfile", "registry"},
	{"internal/fsutil", "internal/diff", "internal/userdir", "internal/redact"},
}

// support are the packages of tests, tools and the end-to-end world: they
// may import anything, and nothing of the binary imports them.
var support = []string{
	"internal/fakegoogle", "internal/fakeregistry", "internal/fakehttp", "internal/registrytest", "internal/storetest", "internal/testenv", "internal/tools/capsim",
	"e2e/harness", "e2e/bench", "e2e/demo", "hardening",
}

// owners are the only packages of the module that may import a path
// (prefix): the protocol library only from credhelper, cobra only from cmd,
// and the kubelet's types from none (their init would cost every get).
var owners = map[string][]string{
	"github.com/docker/docker-credential-helpers": {"credhelper"},
	"github.com/spf13/cobra":                      {"cmd"},
	"k8s.io/":                                     {},
}

type goPackage struct {
	ImportPath string
	Imports    []string
}

// listPackages is what `go list -json` says of every package of the
// module (without the test files, which may import what they like).
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("SKIP: the go command is not on PATH")
	}
	c := exec.Command("go", "list", "-json", module+"/...")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []goPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p goPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestImportGraph: the graph reads top-down, every package has its place,
// and the protocol library, cobra and the kubelet's types stay where they
// belong.
func TestImportGraph(t *testing.T) {
	rank := map[string]int{}
	for i, layer := range layers {
		for _, p := range layer {
			rank[module+"/"+p] = len(layers) - i
		}
	}
	isSupport := map[string]bool{}
	for _, p := range support {
		isSupport[module+"/"+p] = true
	}
	seen := 0
	for _, p := range listPackages(t) {
		r, ranked := rank[p.ImportPath]
		if !ranked && !isSupport[p.ImportPath] {
			t.Errorf("%s has no place in the graph: add it to a layer (or to support) in this test", p.ImportPath)
			continue
		}
		seen++
		for _, imp := range p.Imports {
			for prefix, allowed := range owners {
				if strings.HasPrefix(imp, prefix) && !isSupport[p.ImportPath] && !contains(allowed, strings.TrimPrefix(p.ImportPath, module+"/")) {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, allowed)
				}
			}
			if !ranked || !strings.HasPrefix(imp, module+"/") {
				continue
			}
			ri, ok := rank[imp]
			switch {
			case isSupport[imp]:
				t.Errorf("%s (the binary's) imports %s, a package of tests and tools", p.ImportPath, imp)
			case !ok:
				t.Errorf("%s imports %s, which has no place in the graph", p.ImportPath, imp)
			case ri >= r:
				t.Errorf("%s imports %s: a package may import only the layers below its own", p.ImportPath, imp)
			}
		}
	}
	if want := len(rank) + len(support); seen != want {
		var names []string
		for n := range rank {
			names = append(names, n)
		}
		sort.Strings(names)
		t.Errorf("go list found %d of the %d packages this test places; the layers name %v", seen, want, names)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
