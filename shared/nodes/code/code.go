// Package code holds the Code node family: a sandboxed JavaScript node running on goja.
//
// The sandbox has no environment, file, network or timer access: goja provides only the
// ECMAScript built-ins, and this package adds `input` and `console` alone (`require`,
// `process`, `setTimeout` and friends are undefined, so calling them throws a
// ReferenceError). Time is bounded by an interrupt on a timer and on context
// cancellation. Memory is bounded by the timeout plus a periodic check of the Go heap's
// growth during execution that interrupts the script when it grows past memory_mb; the
// heap is shared by the process, so the check is an approximation, not a hard cap.
package code

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/code/jssyntax"
)

const category = "Code"

// Limits of the JavaScript node.
const (
	defaultTimeoutMS = 1000
	maxTimeoutMS     = 30000
	defaultMemoryMB  = 64
	maxMemoryMB      = 1024
	maxCallStack     = 2000
	maxExportDepth   = 100
	memCheckEvery    = 5 * time.Millisecond
)

// Register adds the family to r.
func Register(r *nodes.Registry) error {
	return r.Register(javascript())
}

func javascript() *nodes.Type {
	return &nodes.Type{
		ID: "code.javascript", Category: category, Name: "JavaScript", Icon: "code",
		Doc: "Runs JavaScript (ES2015+, on goja) in a sandbox. `code` is the **body of a function**: " +
			"the value it returns becomes `result`. The node's `input` is available as `input`.\n\n" +
			"`console.log`/`info` write info lines and `console.warn`/`error` write warnings to the run's " +
			"log; the lines are also returned as `logs`.\n\n" +
			"The sandbox has no access to environment variables, files, the network or timers " +
			"(`require`, `process`, `fetch`, `setTimeout` are not defined). The script is stopped after " +
			"`timeout_ms` and when the Go heap grows by more than `memory_mb` while it runs.\n\n" +
			"Results are converted to plain JSON values; functions and `undefined` become `null`, " +
			"dates become RFC 3339 strings, and `NaN` and infinities become `null` with a warning in the " +
			"log (as `JSON.stringify` does). A returned promise (an `async` body) is awaited: its value is " +
			"the result and a rejection fails the node. Errors report the line and column in `code`.\n\n" +
			"Example: with `input` = `{\"a\": 1}` and code `return {b: input.a + 1}`, `result` is `{\"b\": 2}`.",
		Inputs: []nodes.Port{
			{Name: "code", Type: nodes.String, Required: true, Literal: true, Editor: nodes.EditCode, Check: nodes.CheckJavaScript,
				Doc: "The function body; `return` the result."},
			{Name: "input", Type: nodes.Any, Doc: "Any JSON-like value, visible to the code as `input`."},
			{Name: "timeout_ms", Type: nodes.Integer, Default: float64(defaultTimeoutMS), Min: nodes.Bound(1), Max: nodes.Bound(maxTimeoutMS),
				Doc: "Stop the script after this many milliseconds (max 30000)."},
			{Name: "memory_mb", Type: nodes.Integer, Default: float64(defaultMemoryMB), Min: nodes.Bound(1), Max: nodes.Bound(maxMemoryMB),
				Doc: "Stop the script when the heap grows by more than this many megabytes (max 1024)."},
		},
		Outputs: []nodes.Port{
			{Name: "result", Type: nodes.Any, Doc: "The returned value as JSON-like data."},
			{Name: "logs", Type: nodes.List, Doc: "The console lines the script wrote."},
		},
		Run: runJS,
	}
}

// stopReason is what an interrupt was raised for.
type stopReason string

const (
	stopTimeout  stopReason = "timeout"
	stopMemory   stopReason = "memory"
	stopCanceled stopReason = "canceled"
)

func runJS(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	src := c.Str("code")
	if strings.TrimSpace(src) == "" {
		return nil, nodes.Errorf("code", "is empty")
	}
	// both refuse values outside their ports' Min and Max
	timeoutMS, err := c.IntOr("timeout_ms", defaultTimeoutMS)
	if err != nil {
		return nil, err
	}
	memMB, err := c.IntOr("memory_mb", defaultMemoryMB)
	if err != nil {
		return nil, err
	}
	inputJSON, err := json.Marshal(nodes.Clone(c.Get("input")))
	if err != nil {
		return nil, nodes.Errorf("input", "cannot be passed to JavaScript: %v", err)
	}

	prog, err := compile(src)
	if err != nil {
		return nil, err
	}

	vm := goja.New()
	vm.SetMaxCallStackSize(maxCallStack)
	var logs []any
	if err := installConsole(vm, c, &logs); err != nil {
		return nil, fmt.Errorf("set up console: %w", err)
	}

	fnVal, err := vm.RunProgram(prog)
	if err != nil {
		return nil, scriptError(src, err, timeoutMS, memMB)
	}
	fn, ok := goja.AssertFunction(fnVal)
	if !ok {
		return nil, nodes.Errorf("code", "did not compile to a function")
	}
	in, err := parseJSON(vm, string(inputJSON))
	if err != nil {
		return nil, nodes.Errorf("input", "cannot be passed to JavaScript: %v", err)
	}

	stop := watch(ctx, vm, time.Duration(timeoutMS)*time.Millisecond, uint64(memMB)<<20)
	ret, err := fn(goja.Undefined(), in)
	stop()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("run javascript: %w", ctx.Err())
		}
		return nil, scriptError(src, err, timeoutMS, memMB)
	}
	if p, ok := ret.Export().(*goja.Promise); ok {
		// an async function or a returned promise: the job queue has run by now, and with
		// no timers or I/O in the sandbox nothing can settle it later
		switch p.State() {
		case goja.PromiseStateFulfilled:
			ret = p.Result()
		case goja.PromiseStateRejected:
			return nil, nodes.Errorf("code", "the returned promise was rejected: %s", rejection(p.Result()))
		default:
			return nil, nodes.Errorf("code", "the returned promise never settled (the sandbox has no timers, network or I/O to wait for)")
		}
	}
	ex := &exporter{}
	res, err := ex.export(ret, "result", 0)
	if err != nil {
		return nil, nodes.Errorf("code", "result cannot be converted: %v", err)
	}
	for i, path := range ex.lost {
		if i == 3 {
			c.Warn("%d more numbers that are not JSON numbers became null", len(ex.lost)-i)
			break
		}
		c.Warn("%s became null: NaN and infinities are not JSON numbers", path)
	}
	if logs == nil {
		logs = []any{}
	}
	return nodes.Out{"result": res, "logs": logs}, nil
}

// rejection describes a promise's rejection reason: an Error as "Name: message", any other
// value as console.log would print it.
func rejection(v goja.Value) string {
	if obj, ok := v.(*goja.Object); ok && obj.ClassName() == "Error" {
		return obj.String()
	}
	return formatArg(v)
}

func parseJSON(vm *goja.Runtime, s string) (goja.Value, error) {
	parse, ok := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	if !ok {
		return nil, errors.New("JSON.parse is missing")
	}
	return parse(goja.Undefined(), vm.ToValue(s))
}

// watch interrupts vm on timeout, on ctx cancellation and when the heap grows past
// memLimit bytes. The returned function stops watching.
func watch(ctx context.Context, vm *goja.Runtime, timeout time.Duration, memLimit uint64) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		tick := time.NewTicker(memCheckEvery)
		defer tick.Stop()
		base := heapBytes()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				vm.Interrupt(stopCanceled)
				return
			case <-timer.C:
				vm.Interrupt(stopTimeout)
				return
			case <-tick.C:
				if h := heapBytes(); h > base && h-base > memLimit {
					vm.Interrupt(stopMemory)
					return
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}

// heapBytes reads the live-and-unswept heap object bytes without stopping the world.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

func installConsole(vm *goja.Runtime, c *nodes.Call, logs *[]any) error {
	console := vm.NewObject()
	var mu sync.Mutex
	add := func(level string) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = formatArg(a)
			}
			line := strings.Join(parts, " ")
			mu.Lock()
			*logs = append(*logs, line)
			mu.Unlock()
			switch level {
			case "warn", "error":
				c.Warn("%s", line)
			default:
				c.Log("%s", line)
			}
			return goja.Undefined()
		}
	}
	for _, level := range []string{"log", "info", "debug", "warn", "error"} {
		if err := console.Set(level, add(level)); err != nil {
			return err
		}
	}
	return vm.Set("console", console)
}

// formatArg renders one console argument: strings as they are, other values as JSON.
func formatArg(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if s, ok := v.Export().(string); ok {
		return s
	}
	if _, ok := goja.AssertFunction(v); ok {
		return "[function]"
	}
	x, err := (&exporter{}).export(v, "", 0)
	if err != nil {
		return v.String()
	}
	b, err := json.Marshal(x)
	if err != nil {
		return v.String()
	}
	return string(b)
}

// exporter converts JavaScript values to plain JSON-like Go values, noting where a number
// JSON cannot hold (NaN, ±Infinity) became null, as JSON.stringify does.
type exporter struct{ lost []string }

func (ex *exporter) export(v goja.Value, path string, depth int) (any, error) {
	if depth > maxExportDepth {
		return nil, fmt.Errorf("nested deeper than %d levels (a cycle?)", maxExportDepth)
	}
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	if _, ok := goja.AssertFunction(v); ok {
		return nil, nil
	}
	if obj, ok := v.(*goja.Object); ok {
		switch obj.ClassName() {
		case "Array":
			n := obj.Get("length").ToInteger()
			out := make([]any, 0, n)
			for i := int64(0); i < n; i++ {
				e, err := ex.export(obj.Get(strconv.FormatInt(i, 10)), fmt.Sprintf("%s[%d]", path, i), depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, e)
			}
			return out, nil
		case "Date":
			if t, ok := obj.Export().(time.Time); ok {
				return t.UTC().Format(time.RFC3339Nano), nil
			}
			return nil, nil
		case "String", "Number", "Boolean":
			return ex.primitive(obj.Export(), obj.String(), path), nil
		}
		out := map[string]any{}
		for _, k := range obj.Keys() {
			e, err := ex.export(obj.Get(k), path+"."+k, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	}
	return ex.primitive(v.Export(), v.String(), path), nil
}

// primitive converts an exported JavaScript primitive; NaN and infinities become nil and
// anything else (BigInt, symbols) its string form.
func (ex *exporter) primitive(x any, str, path string) any {
	switch x := x.(type) {
	case int64:
		return float64(x)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			ex.lost = append(ex.lost, fmt.Sprintf("%s (%s)", path, str))
			return nil
		}
		return x
	case string, bool:
		return x
	case nil:
		return nil
	}
	return str
}

// compile parses (as flow validation does, through jssyntax) and compiles the wrapped user
// code, reporting syntax errors with the user's line and column.
func compile(src string) (*goja.Program, error) {
	ast, err := jssyntax.Parse(src)
	if err != nil {
		return nil, nodes.Errorf("code", "%v", err)
	}
	prog, err := goja.CompileAST(ast, false)
	if err != nil {
		return nil, compileError(src, err)
	}
	return prog, nil
}

// compileError turns a goja compile error into an error naming the code port with the
// line and column of the user's code.
func compileError(src string, err error) error {
	var se *goja.CompilerSyntaxError
	if errors.As(err, &se) && se.File != nil {
		p := se.File.Position(se.Offset)
		line, col := jssyntax.Position(jssyntax.Wrap(src), p.Line, p.Column)
		return nodes.Errorf("code", "SyntaxError at line %d, column %d: %s", line, col, se.Message)
	}
	var ce *goja.CompilerReferenceError
	if errors.As(err, &ce) && ce.File != nil {
		p := ce.File.Position(ce.Offset)
		line, col := jssyntax.Position(jssyntax.Wrap(src), p.Line, p.Column)
		return nodes.Errorf("code", "ReferenceError at line %d, column %d: %s", line, col, ce.Message)
	}
	return nodes.Errorf("code", "%v", err)
}

func scriptError(src string, err error, timeoutMS, memMB int) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		switch ie.Value() {
		case stopTimeout:
			return nodes.Errorf("timeout_ms", "script ran longer than %d ms and was stopped", timeoutMS)
		case stopMemory:
			return nodes.Errorf("memory_mb", "script grew the heap by more than %d MB and was stopped", memMB)
		case stopCanceled:
			return fmt.Errorf("run javascript: %w", context.Canceled)
		}
		return nodes.Errorf("code", "script was interrupted: %v", ie.Value())
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		msg := ex.Value().String()
		for _, f := range ex.Stack() {
			p := f.Position()
			if p.Filename == jssyntax.ScriptName && p.Line > 0 {
				line, col := jssyntax.Position(jssyntax.Wrap(src), p.Line, p.Column)
				return nodes.Errorf("code", "%s (line %d, column %d)", msg, line, col)
			}
		}
		return nodes.Errorf("code", "%s", msg)
	}
	var se *goja.StackOverflowError
	if errors.As(err, &se) {
		return nodes.Errorf("code", "call stack exceeded %d frames (runaway recursion?)", maxCallStack)
	}
	return nodes.Errorf("code", "%v", err)
}
