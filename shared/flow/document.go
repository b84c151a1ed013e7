// Package flow is the flow document (polysynergy/flow@1): its model, JSON codec, validation
// that reports every problem at once, and compilation into an immutable execution plan.
package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Schema is the document schema id this package reads and writes.
const Schema = "polysynergy/flow@1"

// MaxDocumentBytes caps a flow document's size.
const MaxDocumentBytes = 8 << 20

// Document is a flow: nodes, the connections between their ports, editor groups, and
// the flow's own run settings.
type Document struct {
	Schema      string       `json:"schema"`
	Nodes       []Node       `json:"nodes"`
	Connections []Connection `json:"connections"`
	Groups      []Group      `json:"groups,omitempty"`
	Settings    FlowSettings `json:"settings,omitzero"`
}

// FlowSettings are a flow's run settings. They are part of the document, so a published
// version runs with the settings it was published with (as a Step Functions state
// machine's definition holds its timeout).
type FlowSettings struct {
	// MaxNodeRuns is the run's budget of node executions (every run of a node counts,
	// each loop iteration's too); 0 means the default, DefaultNodeRuns.
	MaxNodeRuns int `json:"max_node_runs,omitempty"`
}

// The node-execution budget of a run: the default, and the most a flow may set.
const (
	DefaultNodeRuns = 10_000
	MaxNodeRuns     = 100_000
)

// Node is one node of a flow.
type Node struct {
	ID        string         `json:"id"`
	Handle    string         `json:"handle"`
	Type      string         `json:"type"`
	Version   int            `json:"version,omitempty"`
	Values    map[string]any `json:"values,omitempty"`
	Position  Position       `json:"position"`
	Group     string         `json:"group,omitempty"`
	Notes     string         `json:"notes,omitempty"`
	FlowState string         `json:"flow_state,omitempty"`
	Settings  Settings       `json:"settings,omitzero"`
}

// Flow states of a node.
const (
	StateEnabled  = ""         // runs normally
	StateDisabled = "disabled" // never runs: treated as skipped, so its paths are dead
)

// Position is where the editor draws a node.
type Position struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Settings are a node's execution settings.
type Settings struct {
	// TimeoutMS bounds one attempt of the node; 0 means the type's default (if any) and
	// the run's deadline.
	TimeoutMS int `json:"timeout_ms,omitempty"`
	// Retries is how many more attempts a failing node gets.
	Retries int `json:"retries,omitempty"`
	// BackoffMS is the wait before the first retry; it doubles for each next retry.
	BackoffMS int `json:"backoff_ms,omitempty"`
	// OnError decides what happens when the node fails and its false_path is not
	// connected: "stop" (default) fails the run, "continue" carries on with null outputs.
	OnError string `json:"on_error,omitempty"`
	// Concurrency is how many iterations of a for-each run at once (default 1).
	Concurrency int `json:"concurrency,omitempty"`
}

// On-error policies.
const (
	OnErrorStop     = "stop"
	OnErrorContinue = "continue"
)

// Connection joins an output port to an input port. A port may name a dynamic sub-port
// as "port.key".
type Connection struct {
	ID   string   `json:"id,omitempty"`
	From Endpoint `json:"from"`
	To   Endpoint `json:"to"`
}

// Endpoint is one end of a connection.
type Endpoint struct {
	Node string `json:"node"`
	Port string `json:"port"`
}

// SplitPort splits "values.key" into its port and sub-key.
func SplitPort(p string) (port, sub string) {
	port, sub, _ = strings.Cut(p, ".")
	return port, sub
}

// Group is an editor construct: a named set of nodes with exposed ports. It is flattened
// when compiling.
type Group struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Members []string      `json:"members"`
	Inputs  []ExposedPort `json:"inputs,omitempty"`
	Outputs []ExposedPort `json:"outputs,omitempty"`
}

// ExposedPort makes a member node's port visible on the group.
type ExposedPort struct {
	Name string `json:"name"`
	Node string `json:"node"`
	Port string `json:"port"`
}

// DecodeError is a document that is not valid JSON for the schema, with where it went wrong.
type DecodeError struct {
	Line, Column int
	Message      string
}

func (e *DecodeError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("flow document, line %d column %d: %s", e.Line, e.Column, e.Message)
	}
	return "flow document: " + e.Message
}

// Decode reads a flow document, rejecting unknown fields, duplicate names, invalid UTF-8,
// trailing data and other schemas. Member names match exactly (no case folding).
func Decode(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, &DecodeError{Message: fmt.Sprintf("document is %d bytes; the limit is %d", len(data), MaxDocumentBytes)}
	}
	var doc Document
	if err := jsonv2.Unmarshal(data, &doc, jsonv2.RejectUnknownMembers(true)); err != nil {
		return nil, decodeError(data, err)
	}
	if doc.Schema != Schema {
		return nil, &DecodeError{Message: fmt.Sprintf("schema is %q; expected %q", doc.Schema, Schema)}
	}
	return &doc, nil
}

// Encode writes a document as indented JSON.
func Encode(doc *Document) ([]byte, error) {
	return json.MarshalIndent(doc, "", "  ")
}

func decodeError(data []byte, err error) error {
	var syn *jsontext.SyntacticError
	var sem *jsonv2.SemanticError
	off, msg := int64(len(data)), err.Error()
	switch {
	case errors.As(err, &syn):
		off, msg = syn.ByteOffset, syn.Err.Error()
		switch {
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			msg = "document ends early"
		case strings.Contains(msg, "after top-level value"):
			msg = "unexpected data after the document"
		}
	case errors.As(err, &sem):
		off = sem.ByteOffset
		field := pointerField(string(sem.JSONPointer))
		switch {
		case errors.Is(sem.Err, jsonv2.ErrUnknownName):
			name := field
			if i := strings.LastIndexByte(name, '.'); i >= 0 {
				name = name[i+1:]
			}
			msg = fmt.Sprintf("unknown field %q", name)
			if strings.Contains(field, ".") {
				msg += " in " + field[:strings.LastIndexByte(field, '.')]
			}
		case sem.GoType != nil:
			got := sem.JSONKind.String()
			if sem.JSONValue != nil {
				got += " " + string(sem.JSONValue)
			}
			msg = fmt.Sprintf("%s: expected %s, got JSON %s", field, sem.GoType, got)
		default:
			msg = fmt.Sprintf("%s: %v", field, sem.Err)
		}
	}
	line, col := position(data, int(off))
	return &DecodeError{Line: line, Column: col, Message: msg}
}

// pointerField turns a JSON pointer (/nodes/3/values) into nodes[3].values.
func pointerField(ptr string) string {
	if ptr == "" {
		return "document"
	}
	var b strings.Builder
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

func position(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	col = off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}
