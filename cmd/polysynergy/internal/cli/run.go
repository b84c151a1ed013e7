package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"polysynergy/shared/engine"
	"polysynergy/shared/flow"
	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/nodes/control"
)

// maxNodeRuns is the most --max-node-runs takes (a flow document may set up to
// flow.MaxNodeRuns, for the platform).
const maxNodeRuns = 1_000_000

// runFlags are the flags run and resume share.
type runFlags struct {
	input       string
	env         kvFlag
	secrets     kvFlag
	concurrency int
	maxNodeRuns int
	jsonOut     bool
	state       string
	timeout     time.Duration
	stage       string
	flows       string
}

func (rf *runFlags) register(fsName string, fs *flag.FlagSet) {
	rf.env, rf.secrets = kvFlag{}, kvFlag{}
	inputHelp := "trigger input as JSON, or @file to read it from a file"
	if fsName == "resume" {
		inputHelp = "the paused node's answer as JSON, or @file"
	}
	fs.StringVar(&rf.input, "input", "", inputHelp)
	fs.Var(rf.env, "env", "environment variable KEY=VALUE (repeatable)")
	fs.Var(rf.secrets, "secret", "secret KEY=VALUE (repeatable; never printed)")
	fs.IntVar(&rf.concurrency, "concurrency", 4, "nodes of the run executing at once (1 = deterministic order)")
	fs.IntVar(&rf.maxNodeRuns, "max-node-runs", 0, fmt.Sprintf("the run's budget of node executions, each loop iteration's counting (1 to %d; default: the flow's settings.max_node_runs, else %d)", maxNodeRuns, flow.DefaultNodeRuns))
	fs.BoolVar(&rf.jsonOut, "json", false, "print the run record as JSON instead of progress")
	fs.StringVar(&rf.state, "state", "", "where a paused run's state is kept (default FLOW.state.json)")
	fs.DurationVar(&rf.timeout, "timeout", 5*time.Minute, "the run's deadline")
	if fsName != "resume" { // a resumed run keeps the stage it paused on
		fs.StringVar(&rf.stage, "stage", "mock", "stage name the run reports as {{ run.stage }}")
	}
	fs.StringVar(&rf.flows, "flows", "", "directory of the flows this flow may call by id, as ID.json (Call flow and Flow tool nodes; default: the flow file's directory)")
}

// check refuses flag values the engine would otherwise quietly replace with its defaults.
func (rf *runFlags) check(env *Env) bool {
	switch {
	case rf.concurrency < 1:
		env.errorf("--concurrency: %d is below 1; it is how many nodes of the run execute at once", rf.concurrency)
		return false
	case rf.maxNodeRuns < 0 || rf.maxNodeRuns > maxNodeRuns:
		env.errorf("--max-node-runs: %d is not from 1 to %d; it is how many node executions the run may make", rf.maxNodeRuns, maxNodeRuns)
		return false
	case rf.timeout <= 0:
		env.errorf("--timeout: %s is not a positive duration such as 30s or 5m", rf.timeout)
		return false
	}
	return true
}

func cmdRun(ctx context.Context, env *Env, args []string) int {
	fs, u := newFlags(env, "run", help{
		synopsis: "FLOW.json [--input JSON|@file] [--start NODE] [--env K=V]… [--secret K=V]… [--concurrency N] [--max-node-runs N] [--json] [--timeout 5m] [--state FILE] [--flows DIR] [--stage NAME]",
		about: `Runs a flow file on this machine and prints each node as it finishes (order, handle, status,
duration, error, log lines), then the HTTP response the flow set, its Exit value or the last
node's outputs; --json prints the whole run record instead. --input is the trigger's data
(for an HTTP route: {"method", "path", "params", "query", "headers", "body"…}). A run that
pauses (Human approval) saves its state to FLOW.state.json: continue it with
'polysynergy resume'. Call flow and Flow tool nodes find the flows they call as ID.json next
to FLOW.json, or in --flows DIR.`,
		examples: []string{
			`polysynergy run examples/hello-route.json --input '{"method":"GET","path":"/hello/ada","params":{"name":"ada"}}'`,
			`polysynergy run examples/checkout.json          # calls examples/price-with-vat.json`,
			`polysynergy run flow.json --input @request.json --secret API_KEY=… --env REGION=eu-west-1 --json`,
		},
		exits: "0 the run succeeded or paused, 1 the run failed, 2 an invalid flow (its problems are listed) or bad usage.",
	})
	var rf runFlags
	rf.register("run", fs)
	start := fs.String("start", "", "handle or id of the node to start from (default: the flow's trigger)")
	pos, code, ok := u.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return u.argCount(pos, "the flow file to run (FLOW.json)")
	}
	if !rf.check(env) {
		return ExitInvalid
	}
	plan, code := loadPlan(env, pos[0])
	if plan == nil {
		return code
	}
	input, err := readInput(rf.input)
	if err != nil {
		env.errorf("--input: %v", err)
		return ExitInvalid
	}
	req := engine.Request{RunID: ulid.Make().String(), FlowID: flowID(pos[0]), Stage: rf.stage, Start: *start,
		Trigger: input, Resolver: mapResolver{env: rf.env, secrets: rf.secrets}, Flows: dirLoader(rf.flowsDir(pos[0]))}
	pr := &printer{w: env.Stdout, quiet: rf.jsonOut}
	eng := engine.New(engine.Options{Concurrency: rf.concurrency, MaxNodeRuns: rf.maxNodeRuns, Deadline: rf.timeout, Publisher: pr})
	run, err := eng.Run(ctx, plan, req)
	if err != nil {
		env.errorf("%v", err)
		return ExitInvalid
	}
	return finish(env, pos[0], &rf, run)
}

func cmdResume(ctx context.Context, env *Env, args []string) int {
	fs, u := newFlags(env, "resume", help{
		synopsis: "FLOW.json [--node NODE] [--input JSON|@file] [--state FILE] [--secret K=V]… [--env K=V]…",
		about: `Continues a run that paused (Human approval) from its state file, FLOW.state.json unless
--state names another, at the paused node with --input as that node's answer (Human
approval: {"approved": true, "comment": "…"}, or just true or false). A run resumes exactly
once: the state file is used up, so a second resume is refused. Secrets are not kept in the
state: pass them again with --secret.`,
		examples: []string{
			`polysynergy run examples/approval.json          # pauses at "ask"`,
			`polysynergy resume examples/approval.json --input '{"approved": true, "comment": "ok"}'`,
		},
		exits: "0 the run succeeded or paused again, 1 the resumed run failed, 2 no paused run at the state file, an invalid flow or bad usage.",
	})
	var rf runFlags
	rf.register("resume", fs)
	node := fs.String("node", "", "the paused node to continue (default: the only paused node)")
	pos, code, ok := u.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return u.argCount(pos, "the flow file of the paused run (FLOW.json)")
	}
	if !rf.check(env) {
		return ExitInvalid
	}
	plan, code := loadPlan(env, pos[0])
	if plan == nil {
		return code
	}
	input, err := readInput(rf.input)
	if err != nil {
		env.errorf("--input: %v", err)
		return ExitInvalid
	}
	statePath := rf.state
	if statePath == "" {
		statePath = defaultState(pos[0])
	}
	// claim the state file so a run resumes exactly once, even with two resumes at once
	claimed := statePath + ".resuming"
	if err := os.Rename(statePath, claimed); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			env.errorf("no paused run at %s (it was resumed already, or never paused)", statePath)
		} else {
			env.errorf("claim state %s: %v", statePath, err)
		}
		return ExitInvalid
	}
	data, err := os.ReadFile(claimed)
	if err != nil {
		env.errorf("read state: %v", err)
		return ExitInvalid
	}
	var st engine.State
	if err := json.Unmarshal(data, &st); err != nil {
		_ = os.Rename(claimed, statePath)
		env.errorf("state file %s is not a run state: %v", statePath, err)
		return ExitInvalid
	}
	if *node == "" {
		paused := st.PausedNodes()
		if len(paused) != 1 {
			_ = os.Rename(claimed, statePath)
			env.errorf("the run is paused at %v; say which with --node", paused)
			return ExitInvalid
		}
		*node = paused[0]
	}
	// a Human approval fails on an answer it does not take, and a run resumes once: refuse the
	// answer here with the run still paused, as the API does
	if pn, ok := plan.Node(*node); ok && pn.Type != nil && pn.Type.ID == control.ApprovalID {
		if _, _, err := control.ApprovalAnswer(input); err != nil {
			_ = os.Rename(claimed, statePath)
			msg := err.Error()
			if !strings.Contains(msg, control.ApprovalForms) {
				msg += " (it takes " + control.ApprovalForms + ")"
			}
			env.errorf("--input: node %q is a Human approval: %s; the run is still paused at it", pn.Handle(), msg)
			return ExitInvalid
		}
	}
	pr := &printer{w: env.Stdout, quiet: rf.jsonOut}
	eng := engine.New(engine.Options{Concurrency: rf.concurrency, MaxNodeRuns: rf.maxNodeRuns, Deadline: rf.timeout, Publisher: pr})
	run, err := eng.Resume(ctx, plan, &st, *node, input, engine.Request{Resolver: mapResolver{env: rf.env, secrets: rf.secrets},
		Flows: dirLoader(rf.flowsDir(pos[0]))})
	if err != nil {
		_ = os.Rename(claimed, statePath) // not resumed: leave it resumable
		env.errorf("%v", err)
		return ExitInvalid
	}
	_ = os.Remove(claimed)
	rf.state = statePath
	return finish(env, pos[0], &rf, run)
}

// finish prints the outcome, keeps a paused run's state, and picks the exit code.
func finish(env *Env, flowPath string, rf *runFlags, run *engine.Run) int {
	if run.Status == engine.StatusPaused {
		path := rf.state
		if path == "" {
			path = defaultState(flowPath)
		}
		data, err := marshalReadable(run.State, "  ")
		if err != nil {
			// a value JSON cannot hold (NaN or infinity from an expression such as 1/0)
			env.errorf("save paused state: the run's values cannot be written as JSON: %v", err)
			return ExitFailed
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			env.errorf("save paused state: %v", err)
			return ExitFailed
		}
		if !rf.jsonOut {
			for _, h := range run.State.PausedNodes() {
				p, _ := marshalReadable(run.State.Paused[h], "")
				fmt.Fprintf(env.Stdout, "\npaused at %s: %s\nstate saved to %s\nresume with: polysynergy resume %s --node %s --input '<json>'\n",
					h, p, path, flowPath, h)
			}
		}
	}
	if rf.jsonOut {
		out := *run
		data, err := marshalReadable(&out, "  ")
		if err != nil {
			env.errorf("--json: the run record cannot be written as JSON: %v (a NaN or infinity, from an expression such as 1/0?)", err)
			return ExitFailed
		}
		fmt.Fprintln(env.Stdout, string(data))
	} else {
		printOutcome(env.Stdout, run)
	}
	if run.Status == engine.StatusError {
		return ExitFailed
	}
	return ExitOK
}

func printOutcome(w io.Writer, run *engine.Run) {
	fmt.Fprintf(w, "\nrun %s %s in %.1fms\n", run.ID, run.Status, run.DurationMS)
	if run.Error != nil {
		fmt.Fprintf(w, "error: %s\n", run.Error.Error)
		if run.Error.Type == engine.ErrKindBudget {
			fmt.Fprintf(w, "       --max-node-runs N sets it for this run (up to %d)\n", maxNodeRuns)
		}
	}
	switch {
	case run.Response != nil:
		printResponse(w, run.Response)
	case run.Exited:
		fmt.Fprintf(w, "output: %s\n", compact(run.Output))
	case run.Status == engine.StatusSuccess:
		// the outputs of the last node that ran
		for i := len(run.Nodes) - 1; i >= 0; i-- {
			n := run.Nodes[i]
			if n.Status == engine.StatusSuccess {
				fmt.Fprintf(w, "result (%s): %s\n", n.Handle, compact(n.Outputs))
				break
			}
		}
	}
}

func printResponse(w io.Writer, resp any) {
	m, _ := resp.(map[string]any)
	if m == nil {
		fmt.Fprintf(w, "response: %s\n", compact(resp))
		return
	}
	fmt.Fprintf(w, "HTTP %v\n", m["status"])
	if h, ok := m["headers"].(map[string]any); ok {
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s: %v\n", k, h[k])
		}
	}
	if c, ok := m["cookies"].([]any); ok {
		for _, v := range c {
			fmt.Fprintf(w, "set-cookie: %v\n", v)
		}
	}
	fmt.Fprintf(w, "\n%v\n", m["body"])
}

func compact(v any) string {
	b, err := marshalReadable(v, "")
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 2000 {
		cut := 2000
		for cut > 0 && !utf8.RuneStart(s[cut]) { // never through a character
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// printer prints node progress as events arrive.
type printer struct {
	mu    sync.Mutex
	w     io.Writer
	quiet bool
}

func (p *printer) Publish(_ context.Context, ev engine.Event) {
	if p.quiet || ev.Type != engine.EventNodeEnd {
		return
	}
	res, ok := ev.Data.(engine.NodeResult)
	if !ok {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	order := "  -"
	if res.Order > 0 {
		order = fmt.Sprintf("%3d", res.Order)
	}
	iter := ""
	if len(res.Iteration) > 0 {
		iter = fmt.Sprintf(" [%s]", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(res.Iteration)), ","), "[]"))
	}
	line := fmt.Sprintf("#%s  %-20s %-8s %8.1fms", order, res.Handle+iter, res.Status, res.DurationMS)
	if res.Error != nil {
		line += "  " + res.Error.Error
	}
	fmt.Fprintln(p.w, line)
	for _, l := range res.Logs {
		fmt.Fprintf(p.w, "      %s: %s\n", l.Level, l.Message)
	}
}

// loadPlan reads, decodes and compiles a flow file, reporting problems.
func loadPlan(env *Env, path string) (*flow.Plan, int) {
	data, err := os.ReadFile(path)
	if err != nil {
		env.errorf("read flow: %v", err)
		return nil, ExitInvalid
	}
	doc, err := flow.Decode(data)
	if err != nil {
		env.errorf("%s: %v", path, err)
		return nil, ExitInvalid
	}
	plan, err := flow.Compile(doc, catalog.Default())
	var ve *flow.ValidationError
	if errors.As(err, &ve) {
		printProblems(env.Stderr, path, ve.Problems)
		return nil, ExitInvalid
	}
	if err != nil {
		env.errorf("%s: %v", path, err)
		return nil, ExitInvalid
	}
	return plan, ExitOK
}

func printProblems(w io.Writer, path string, probs flow.Problems) {
	printList(w, fmt.Sprintf("%s: %d problem(s):", path, len(probs)), probs)
}

// printList prints a heading and each problem (or warning) at its pointer, node and port.
func printList(w io.Writer, heading string, probs flow.Problems) {
	fmt.Fprintln(w, heading)
	for _, p := range probs {
		where := p.Path
		if p.Node != "" {
			where += " (" + p.Node
			if p.Port != "" {
				where += "." + p.Port
			}
			where += ")"
		}
		fmt.Fprintf(w, "  %s: %s\n", where, p.Message)
	}
}

func readInput(s string) (any, error) {
	if s == "" {
		return nil, nil
	}
	data := []byte(s)
	if strings.HasPrefix(s, "@") {
		var err error
		if data, err = os.ReadFile(s[1:]); err != nil {
			return nil, err
		}
	}
	v, err := jsonvalue.Unmarshal(data) // big whole numbers stay exact
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	return v, nil
}

func defaultState(flowPath string) string {
	return strings.TrimSuffix(flowPath, ".json") + ".state.json"
}

func flowID(path string) string {
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	return strings.TrimSuffix(base, ".json")
}

// mapResolver serves --env and --secret values.
type mapResolver struct{ env, secrets map[string]string }

func (m mapResolver) Secret(_ context.Context, key string) (string, error) {
	if v, ok := m.secrets[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("%w (pass it with --secret %s=…)", nodes.ErrNotFound, key)
}

// SecretKeys implements engine.SecretLister: a run that may read secrets its flow does not
// name (a key computed by an expression, a called flow) knows every --secret from its start,
// so its output is redacted from its first node on.
func (m mapResolver) SecretKeys(context.Context) ([]string, error) {
	keys := make([]string, 0, len(m.secrets))
	for k := range m.secrets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

func (m mapResolver) Env(_ context.Context, key string) (string, error) {
	if v, ok := m.env[key]; ok {
		return v, nil
	}
	return "", fmt.Errorf("%w (pass it with --env %s=…)", nodes.ErrNotFound, key)
}

func (m mapResolver) EnvVars(context.Context) (map[string]string, error) { return m.env, nil }

// marshalReadable writes JSON without escaping <, > and &, so the markers standing in for
// secrets (<secret:KEY@…>) read as they are.
func marshalReadable(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
