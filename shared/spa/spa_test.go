package spa_test

import (
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"polysynergy/shared/spa"
)

func TestStaticFile(t *testing.T) {
	for p, want := range map[string]bool{
		"/":                           false,
		"/p/01J0ABC/f/01J0DEF":        false,
		"/callback":                   false,
		"/trash":                      false,
		"/assets/index-abc123.js":     true,
		"/assets/whatever":            true,
		"/favicon.ico":                true,
		"/config.json":                true,
		"/Logo.SVG":                   true,
		"/robots.txt":                 true,
		"/p/x.y/settings":             false,
		"/.hidden":                    false,
		"/file.":                      false,
		"/notes.md":                   false,
		"/app.js.map":                 true,
		"/site.webmanifest":           true,
		"/p/01J0ABC/f/flow.__proto__": false,
	} {
		if got := spa.StaticFile(p); got != want {
			t.Errorf("StaticFile(%q) = %v, want %v", p, got, want)
		}
	}
}

// TestViewerRequestFunctionFollowsStaticFile runs the CloudFront Function in Node on many
// paths and holds its answer to StaticFile's: a file keeps its path, a page is /index.html.
func TestViewerRequestFunctionFollowsStaticFile(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is needed to run the CloudFront Function (the README lists Node 20): ", err)
	}
	paths := []string{"/", "/assets/x.js", "/assets/", "/favicon.ico", "/index.html", "/p/a/f/b", "/x.constructor",
		"/x.__proto__", "/x.toString", "/a.b/c", "/UPPER.CSS", "/deep/er/file.woff2", "/file.", "/.env"}
	segs := []string{"p", "assets", "f", "a.b", "x.js", "y.JSON", "z.md", ".git", "index", "app.map", "img.png", "..", "q.wasm", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		var b strings.Builder
		for n := 1 + rng.IntN(4); n > 0; n-- {
			b.WriteString("/" + segs[rng.IntN(len(segs))])
		}
		paths = append(paths, b.String())
	}
	in, _ := json.Marshal(paths)
	script := spa.ViewerRequestFunction() + `
const paths = JSON.parse(require('fs').readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(paths.map((uri) => handler({ request: { uri: uri, headers: {} } }).uri)));
`
	cmd := exec.Command(node, "-e", script)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(paths) {
		t.Fatalf("node answered %q (%v)", out, err)
	}
	for i, p := range paths {
		want := "/index.html"
		if spa.StaticFile(p) {
			want = p
		}
		if got[i] != want {
			t.Errorf("the function sends %q to %q, StaticFile says %q", p, got[i], want)
		}
	}
}
