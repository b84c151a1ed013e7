package expr

import "testing"

// The index rewrite keeps indexed paths on the fast walk and in failure explanations.
func TestCharsPatchKeepsPaths(t *testing.T) {
	prog, err := compileExpr("a.items[1].name")
	if err != nil {
		t.Fatal(err)
	}
	if p := fastPath(prog); len(p) != 4 || !p[2].isIdx || p[2].index != 1 || p[3].key != "name" {
		t.Fatalf("fast path of a.items[1].name = %+v (%s)", p, prog.Node())
	}
	prog, err = compileExpr("upper(a.items[1].name)")
	if err != nil {
		t.Fatal(err)
	}
	if c := memberChains(prog); len(c) == 0 || len(c[len(c)-1]) != 4 || !c[len(c)-1][2].isIdx {
		t.Fatalf("member chains = %+v", c)
	}
}
