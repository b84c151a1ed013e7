// Package nodes defines what a node type is — its ports, documentation and code — and the
// registry the flow compiler, the engine, the CLI and the API read the catalogue from.
// Node families live in sub-packages and register themselves into a Registry.
package nodes

import (
	"context"
	"fmt"
	"strings"
)

// PortType is the type of a port. Connections are checked against it.
type PortType string

// The port types of ARCHITECTURE §2, plus the two structural types used by loops and jumps.
const (
	Any      PortType = "any"
	String   PortType = "string"
	Number   PortType = "number"
	Integer  PortType = "integer"
	Boolean  PortType = "boolean"
	Object   PortType = "object"
	List     PortType = "list"
	Bytes    PortType = "bytes"
	DateTime PortType = "datetime"
	Secret   PortType = "secret"
	// Loop pairs a for-each or counter loop with its loop end.
	Loop PortType = "loop"
	// Jump joins a jump node to the `to` node it goes back to.
	Jump PortType = "jump"
)

// ServiceType returns the port type of a service of the given kind, e.g. service:chat_model.
func ServiceType(kind string) PortType { return PortType("service:" + kind) }

// IsService reports whether the port type hands over a service instance.
func (t PortType) IsService() bool { return strings.HasPrefix(string(t), "service:") }

// Valid reports whether t is a known port type.
func (t PortType) Valid() bool {
	switch t {
	case Any, String, Number, Integer, Boolean, Object, List, Bytes, DateTime, Secret, Loop, Jump:
		return true
	}
	return t.IsService() && len(t) > len("service:")
}

// Compatible reports whether an output of type from may feed an input of type to.
func Compatible(from, to PortType) bool {
	if from == to {
		return true
	}
	if from.IsService() || to.IsService() || from == Loop || to == Loop || from == Jump || to == Jump {
		return false
	}
	if from == Any || to == Any {
		return true
	}
	switch to {
	case Number:
		return from == Integer
	case String:
		return from == DateTime || from == Secret || from == Number || from == Integer || from == Boolean
	case DateTime:
		return from == String
	case Secret:
		return from == String
	}
	return false
}

// PortAllowPrivateNetwork is the input of nodes that connect to user-given
// endpoints and may reach loopback, private, link-local and cloud-metadata
// addresses only when it is on. A run whose project does not allow private
// networks sees it off whatever the flow says (the engine enforces it).
const PortAllowPrivateNetwork = "allow_private_network"

// Names of the ports every node gets without declaring them.
const (
	PortNode      = "node"       // control input: run after the connected node
	PortTruePath  = "true_path"  // carries the node's outputs on success
	PortFalsePath = "false_path" // carries the error object on failure
)

// Editor kinds tell the editor which widget edits a port's value.
const (
	EditText     = "text"
	EditNumber   = "number"
	EditBoolean  = "boolean"
	EditSelect   = "select"
	EditSecret   = "secret"
	EditEnv      = "env"
	EditCode     = "code"
	EditJSON     = "json"
	EditTemplate = "template"
	EditDict     = "dict"
	EditList     = "list"
	EditFlow     = "flow" // another flow of the project, by id
	EditNone     = "none"
)

// Port describes one input or output of a node type.
type Port struct {
	Name     string   `json:"name"`
	Type     PortType `json:"type"`
	Label    string   `json:"label,omitempty"`
	Doc      string   `json:"doc,omitempty"`
	Default  any      `json:"default,omitempty"`
	Required bool     `json:"required,omitempty"`
	Editor   string   `json:"editor,omitempty"`
	Options  []string `json:"options,omitempty"`
	// Templated inputs have their string values evaluated as {{ }} templates. Set by
	// the registry for string-carrying inputs unless Literal is set.
	Templated bool `json:"templated"`
	// Literal keeps a string input verbatim (e.g. a Jinja template body, JavaScript code).
	Literal bool `json:"-"`
	// Multi inputs accept several connections; their value is the first live one, or a
	// list of every live value when the port's type is list or a service type (a list of
	// the connected service instances, in connection order).
	Multi bool `json:"multi,omitempty"`
	// Dynamic dict ports have sub-ports "port.key" for every row key in the node's values.
	Dynamic bool `json:"dynamic,omitempty"`
	// Branch outputs decide which path is live; only the branch ports a node emits on are.
	Branch bool `json:"branch,omitempty"`
	// Control inputs only order execution; their values are not handed to the code.
	Control bool `json:"control,omitempty"`
	// Min and Max bound a number input. Call.Float, Int and IntOr refuse a value outside
	// them at run time, and validation refuses a literal value outside them, so the node
	// needs no check of its own. The editor can use them for its number fields.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Check names a ValueCheck (CheckRegexp, CheckRange…) that the input's value — for a
	// dynamic input, every row's value — must pass. Validation applies it to literal
	// values; the node's code applies the same rule at run time (CheckValue).
	Check string `json:"check,omitempty"`
	// Distinct is for the dynamic input of a node that takes the first row that matches
	// (switch, routers): rows must have different values (alike by Check's rule, or Equal),
	// as a row like an earlier one could never be taken. Not required when the node's
	// `mode` input is "all" (every matching row is taken).
	Distinct bool `json:"distinct,omitempty"`
	// Pauses is for a boolean input that, when true, makes the node — or, on a service
	// provider, the nodes it serves (an agent asking to confirm a tool call) — pause the run.
	Pauses bool `json:"pauses,omitempty"`
}

// Control names a structural role the engine implements itself.
type Control string

// Structural roles.
const (
	ControlNone     Control = ""
	ControlForEach  Control = "for_each"
	ControlCounter  Control = "counter_loop"
	ControlLoopEnd  Control = "loop_end"
	ControlBreak    Control = "break"
	ControlContinue Control = "continue"
	ControlJump     Control = "jump"
	ControlTo       Control = "to"
	ControlBarrier  Control = "barrier"
	ControlExit     Control = "exit"
)

// Type is a node type: everything the catalogue shows and the code that runs it.
type Type struct {
	ID       string `json:"id"`
	Version  int    `json:"version"`
	Category string `json:"category"`
	Name     string `json:"name"`
	Icon     string `json:"icon,omitempty"`
	Doc      string `json:"doc"`
	Inputs   []Port `json:"inputs"`
	Outputs  []Port `json:"outputs"`
	Trigger  bool   `json:"trigger,omitempty"`
	// OnePerFlow marks a trigger that runs enter by its type: an HTTP request at the flow's
	// HTTP route node, a schedule's firing at its Schedule node, a call at its Flow input or
	// Tool start. A run of a flow holding two could not tell which to start from, so
	// validation refuses a second one.
	OnePerFlow bool `json:"one_per_flow,omitempty"`
	// Control marks a node whose behaviour the engine provides (loops, jumps, exit…).
	Control Control `json:"control,omitempty"`
	// Service is the kind of service the node provides on its service output, if any.
	Service string `json:"service,omitempty"`
	// Pauses marks a node that pauses the run to wait for a resume (human approval).
	// Pausing inside a loop body is not supported: validation refuses such a node there.
	Pauses bool `json:"pauses,omitempty"`
	// NoErrorPath hides the implicit false_path (control nodes that cannot fail).
	NoErrorPath bool `json:"-"`
	// Run is the node's code. Structural control nodes may leave it nil.
	Run Func `json:"-"`

	falseIsBranch bool
}

// ErrorPath reports whether failures of this node go down false_path (when connected).
// Nodes that use false_path as a logic branch (if/else, compare) send errors by on_error.
func (t *Type) ErrorPath() bool {
	if t.falseIsBranch {
		return false
	}
	_, ok := t.Output(PortFalsePath)
	return ok
}

// Func is a node's code. It returns the values of its outputs by port name. Returning a
// branch port's name (true_path, false_path, a case port) selects which branches are
// live; when no branch port is named, true_path is live and carries the outputs.
type Func func(ctx context.Context, c *Call) (Out, error)

// Out holds a node's output values by port name.
type Out map[string]any

// Input returns the input port called name.
func (t *Type) Input(name string) (*Port, bool) {
	for i := range t.Inputs {
		if t.Inputs[i].Name == name {
			return &t.Inputs[i], true
		}
	}
	return nil, false
}

// Output returns the output port called name.
func (t *Type) Output(name string) (*Port, bool) {
	for i := range t.Outputs {
		if t.Outputs[i].Name == name {
			return &t.Outputs[i], true
		}
	}
	return nil, false
}

// Family returns the part of the id before the dot.
func (t *Type) Family() string {
	f, _, _ := strings.Cut(t.ID, ".")
	return f
}

// isName reports whether s is a port name or a part of a type id: a lowercase letter,
// then lowercase letters, digits and _. (Checked by hand: every port of every type is
// checked while a function starts, and a regular expression made that a third of it.)
func isName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// isTypeID reports whether s is a type id: two or more names joined by dots.
func isTypeID(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if !isName(p) {
			return false
		}
	}
	return true
}

// normalize fills in implicit ports and defaults and checks the declaration.
func (t *Type) normalize() error {
	if !isTypeID(t.ID) {
		return fmt.Errorf("node type id %q: must look like family.name in lowercase", t.ID)
	}
	if t.Version == 0 {
		t.Version = 1
	}
	if t.Name == "" || t.Category == "" || strings.TrimSpace(t.Doc) == "" {
		return fmt.Errorf("node type %s: name, category and documentation are required", t.ID)
	}
	if t.Run == nil && t.Control == ControlNone {
		return fmt.Errorf("node type %s: no code", t.ID)
	}
	if !t.Trigger {
		if _, ok := t.Input(PortNode); !ok {
			t.Inputs = append([]Port{{Name: PortNode, Type: Any, Multi: true, Control: true, Editor: EditNone,
				Doc: "Runs this node after the connected node."}}, t.Inputs...)
		}
	}
	if _, ok := t.Output(PortTruePath); !ok {
		t.Outputs = append(t.Outputs, Port{Name: PortTruePath, Type: Any, Branch: true,
			Doc: "Live when the node succeeds; carries its outputs."})
	}
	if p, ok := t.Output(PortFalsePath); ok {
		// a declared false_path is a logic branch (if/else), not the error path
		t.falseIsBranch = p.Branch
	} else if !t.NoErrorPath {
		t.Outputs = append(t.Outputs, Port{Name: PortFalsePath, Type: Object, Branch: true,
			Doc: "Live when the node fails; carries {error, type, node, details}."})
	}
	seen := map[string]bool{}
	for i := range t.Inputs {
		p := &t.Inputs[i]
		if err := p.check(t.ID, "input", seen); err != nil {
			return err
		}
		if p.Editor == "" {
			p.Editor = defaultEditor(p)
		}
		p.Templated = !p.Literal && !p.Control && p.Type != Loop && p.Type != Jump && p.Type != Bytes && !p.Type.IsService()
	}
	seen = map[string]bool{}
	for i := range t.Outputs {
		if err := t.Outputs[i].check(t.ID, "output", seen); err != nil {
			return err
		}
	}
	return nil
}

func (p *Port) check(typeID, dir string, seen map[string]bool) error {
	if !isName(p.Name) {
		return fmt.Errorf("node type %s: %s port %q: name must be lowercase letters, digits and _", typeID, dir, p.Name)
	}
	if seen[p.Name] {
		return fmt.Errorf("node type %s: %s port %q declared twice", typeID, dir, p.Name)
	}
	seen[p.Name] = true
	if !p.Type.Valid() {
		return fmt.Errorf("node type %s: %s port %q: unknown type %q", typeID, dir, p.Name, p.Type)
	}
	if p.Editor == EditSelect && len(p.Options) == 0 {
		return fmt.Errorf("node type %s: %s port %q: a select needs options", typeID, dir, p.Name)
	}
	if (p.Min != nil || p.Max != nil) && p.Type != Number && p.Type != Integer {
		return fmt.Errorf("node type %s: %s port %q: only number inputs take min and max", typeID, dir, p.Name)
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		return fmt.Errorf("node type %s: %s port %q: min is above max", typeID, dir, p.Name)
	}
	if p.Check != "" {
		if _, ok := LookupCheck(p.Check); !ok {
			return fmt.Errorf("node type %s: %s port %q: unknown check %q", typeID, dir, p.Name, p.Check)
		}
	}
	if p.Distinct && !p.Dynamic {
		return fmt.Errorf("node type %s: %s port %q: only dynamic inputs can have distinct rows", typeID, dir, p.Name)
	}
	if p.Pauses && p.Type != Boolean {
		return fmt.Errorf("node type %s: %s port %q: only boolean inputs can pause", typeID, dir, p.Name)
	}
	if p.Default != nil && (p.Min != nil || p.Max != nil) {
		if f, ok := ToFloat(p.Default); ok {
			if err := p.InRange(f); err != nil {
				return fmt.Errorf("node type %s: %s port %q: the default %v", typeID, dir, p.Name, err)
			}
		}
	}
	return nil
}

func defaultEditor(p *Port) string {
	if p.Dynamic {
		return EditDict
	}
	switch p.Type {
	case Number, Integer:
		return EditNumber
	case Boolean:
		return EditBoolean
	case Object:
		return EditJSON
	case List:
		return EditList
	case Secret:
		return EditSecret
	case Loop, Jump, Bytes:
		return EditNone
	}
	if p.Type.IsService() {
		return EditNone
	}
	if len(p.Options) > 0 {
		return EditSelect
	}
	return EditText
}
