// Package functions_test proves every function through the real AWS Lambda runtime: each
// is built as a Linux `bootstrap` and started under the Lambda Runtime Interface Emulator
// (aws-lambda-rie), and every sample event in events/<function>/ is invoked through it
// against the local endpoints (embedded DynamoDB, dev identity provider, Management API).
package functions_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"polysynergy/functions/internal/fixture"
	"polysynergy/shared/flow"
	"polysynergy/shared/local/dynamo"
	"polysynergy/shared/local/mgmtapi"
	"polysynergy/shared/local/oidc"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/platform"
	"polysynergy/shared/runs"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

const table = "polysynergy-rie"

// lambdaTags are the build tags of a function's binary, as LAMBDA_TAGS in mk/functions.mk.
const lambdaTags = "lambda.norpc,polysynergy_lambda"

func TestLambdaTagsMatchTheMakefile(t *testing.T) {
	mk, err := os.ReadFile("../mk/functions.mk")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mk), "\nLAMBDA_TAGS := "+lambdaTags+"\n") {
		t.Fatalf("mk/functions.mk does not set LAMBDA_TAGS := %s", lambdaTags)
	}
}

// expectation is an <event>.expect.json file.
type expectation struct {
	StatusCode      int      `json:"statusCode"`
	BodyContains    []string `json:"bodyContains"`
	Body            *string  `json:"body"`
	IsBase64Encoded *bool    `json:"isBase64Encoded"`
	Contains        []string `json:"contains"`
	FunctionError   bool     `json:"functionError"`
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func build(t testing.TB, dir, out string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %v: %v\n%s", args, err, b)
	}
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Len()
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestFunctionsThroughTheLambdaRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every function and the runtime emulator")
	}
	root, _ := filepath.Abs("..")
	bin := t.TempDir()
	rie := filepath.Join(bin, "aws-lambda-rie")
	build(t, root, rie, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	env, vars := startEndpoints(t)

	fns, _ := filepath.Glob(filepath.Join(root, "events", "*"))
	sort.Strings(fns)
	ran := 0
	for _, evDir := range fns {
		name := filepath.Base(evDir)
		if _, err := os.Stat(filepath.Join(root, "functions", name, "main.go")); err != nil {
			continue
		}
		cases, _ := filepath.Glob(filepath.Join(evDir, "*.json"))
		// events with an <name>.expect.json are replayed here; every event is also replayed
		// in-process by its function's own tests
		var events []string
		for _, c := range cases {
			if strings.HasSuffix(c, ".expect.json") {
				continue
			}
			if _, err := os.Stat(strings.TrimSuffix(c, ".json") + ".expect.json"); err == nil {
				events = append(events, c)
			}
		}
		if len(events) == 0 {
			continue
		}
		t.Run(name, func(t *testing.T) {
			boot := filepath.Join(bin, name, "bootstrap")
			build(t, root, boot, "-tags", lambdaTags, "./functions/"+name)
			em := startEmulator(t, rie, env, boot)
			t.Cleanup(em.stop)
			url, out := em.url, em.out
			for _, ev := range events {
				caseName := strings.TrimSuffix(filepath.Base(ev), ".json")
				payload := substitute(t, ev, vars)
				resp := invoke(t, url, payload)
				exp := loadExpect(t, strings.TrimSuffix(ev, ".json")+".expect.json")
				check(t, name+"/"+caseName, resp, exp, out)
				ran++
			}
		})
	}
	if ran == 0 {
		t.Fatal("no events were invoked")
	}
	// the cold-start benchmark's init clock: the function answers through it, and it
	// reports the function's init duration
	t.Run("initclock", func(t *testing.T) {
		clock := filepath.Join(bin, "initclock")
		build(t, root, clock, "./functions/internal/initclock/cmd")
		ev := filepath.Join(root, "events", "ws", "1-connect")
		if ms := initDuration(t, rie, clock, filepath.Join(bin, "ws", "bootstrap"), env, substitute(t, ev+".json", vars),
			loadExpect(t, ev+".expect.json"), "ws/1-connect"); ms <= 0 {
			t.Fatalf("init duration %v ms", ms)
		}
	})
}

// startEndpoints starts the local endpoints the functions talk to (the embedded DynamoDB
// with the fixture's data, the dev identity provider, the Management API) and returns the
// functions' environment and the values for the events' ${PLACEHOLDERS}.
func startEndpoints(t testing.TB) (env []string, vars map[string]string) {
	ctx := context.Background()
	dataDir := t.TempDir()
	db, err := dynamo.Start(ctx, dynamo.Options{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	mux := http.NewServeMux()
	idpSrv := httptest.NewServer(mux)
	t.Cleanup(idpSrv.Close)
	idp, err := oidc.New(oidc.Config{Issuer: idpSrv.URL, ClientID: "editor", Dir: dataDir})
	if err != nil {
		t.Fatal(err)
	}
	idp.Routes(mux)
	reg := mgmtapi.NewRegistry(time.Now)
	mux.Handle("/@connections/", mgmtapi.NewServer(reg))
	owner, err := idp.EnsureUser("owner@example.com", "Owner")
	if err != nil {
		t.Fatal(err)
	}
	toks, err := idp.Issue(owner, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dataDir, "secrets.key")
	lw, err := secrets.LoadOrCreateKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secrets.NewBox(lw)
	st := store.New(dynamo.NewClient(db.URL()), table)
	data, err := fixture.Seed(ctx, st, box, owner.Sub, owner.Email)
	if err != nil {
		t.Fatal(err)
	}
	vars = data.Vars()
	vars["TOKEN"] = toks.AccessToken
	vars["ID_TOKEN"] = toks.IDToken
	// a paused run for the runner's resume events
	x, err := runs.New(runs.Options{Store: st, Secrets: box, Compiler: flow.NewCompiler(catalog.Default(), 0)})
	if err != nil {
		t.Fatal(err)
	}
	paused, err := x.Execute(ctx, runs.Job{Kind: runs.KindEditor, Tenant: data.Tenant, Project: data.Project, Flow: data.Flows["APPROVAL"]})
	if err != nil || paused.Status != "paused" {
		t.Fatalf("paused run: %v %+v", err, paused)
	}
	vars["RUN_PAUSED"] = paused.ID

	env = []string{
		platform.EnvTable + "=" + table, platform.EnvDynamoEndpoint + "=" + db.URL(),
		platform.EnvSecretsKeyFile + "=" + keyFile, platform.EnvIssuer + "=" + idpSrv.URL, platform.EnvAudience + "=editor",
		platform.EnvJWKSURL + "=" + idpSrv.URL + oidc.PathJWKS, platform.EnvBaseDomain + "=example.com",
		platform.EnvWSEndpoint + "=" + idpSrv.URL, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
	}
	// the Go runtime's settings the deployment gives a function (memory as the router's)
	for k, v := range platform.GoRuntimeEnv(1024) {
		env = append(env, k+"="+v)
	}

	return env, vars
}

func substitute(t testing.TB, path string, vars map[string]string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for k, v := range vars {
		s = strings.ReplaceAll(s, "${"+k+"}", v)
	}
	if m := regexp.MustCompile(`\$\{[A-Z_]+\}`).FindString(s); m != "" {
		t.Fatalf("%s: unknown placeholder %s", path, m)
	}
	return []byte(s)
}

func loadExpect(t testing.TB, path string) expectation {
	var e expectation
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return e
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return e
}

type invocation struct {
	raw     []byte
	fnError bool
}

// invoke calls the emulator, retrying while the runtime starts.
func invoke(t testing.TB, url string, payload []byte) invocation {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Post(url, "application/json", bytes.NewReader(payload))
		if err == nil {
			return readInvocation(resp)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the emulator did not answer: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// readInvocation reads the emulator's answer to an invocation.
func readInvocation(resp *http.Response) invocation {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return invocation{raw: b, fnError: resp.Header.Get("X-Amz-Function-Error") != "" || bytes.Contains(b, []byte(`"errorType"`))}
}

func check(t testing.TB, name string, inv invocation, e expectation, out fmt.Stringer) {
	t.Helper()
	if inv.fnError != e.FunctionError {
		t.Errorf("%s: function error %v, want %v: %s\n%s", name, inv.fnError, e.FunctionError, inv.raw, tail(out.String()))
		return
	}
	for _, c := range e.Contains {
		if !strings.Contains(string(inv.raw), c) {
			t.Errorf("%s: answer lacks %q: %s", name, c, inv.raw)
		}
	}
	if e.StatusCode == 0 && e.Body == nil && e.BodyContains == nil {
		return
	}
	var resp struct {
		StatusCode      int    `json:"statusCode"`
		Body            string `json:"body"`
		IsBase64Encoded bool   `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(inv.raw, &resp); err != nil {
		t.Errorf("%s: answer is not a response: %s", name, inv.raw)
		return
	}
	if e.StatusCode != 0 && resp.StatusCode != e.StatusCode {
		t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, e.StatusCode, resp.Body)
	}
	if e.Body != nil && resp.Body != *e.Body {
		t.Errorf("%s: body %q, want %q", name, resp.Body, *e.Body)
	}
	if e.IsBase64Encoded != nil && resp.IsBase64Encoded != *e.IsBase64Encoded {
		t.Errorf("%s: isBase64Encoded %v", name, resp.IsBase64Encoded)
	}
	for _, c := range e.BodyContains {
		if !strings.Contains(resp.Body, c) {
			t.Errorf("%s: body lacks %q: %s", name, c, resp.Body)
		}
	}
}

func tail(s string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
