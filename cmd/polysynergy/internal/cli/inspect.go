package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
)

func cmdValidate(_ context.Context, env *Env, args []string) int {
	fs, u := newFlags(env, "validate", help{
		synopsis: "FLOW.json… [--json] [--flow-id ID] [--flows DIR]",
		about: `Checks flow files against the node catalogue, as publishing does, without running them, and
lists every problem with its JSON pointer and the node and port concerned, then any warnings:
what is valid but likely not meant (an expression reading a node its node does not wait for or
an output the node does not have, a template reading a node it is not given). Warnings alone
do not fail the check. Given several files, it checks each and fails if any has problems.`,
		examples: []string{
			"polysynergy validate examples/hello-route.json",
			"polysynergy validate my-flow.json --json",
			"polysynergy validate flows/*.json",
		},
		exits: "0 every flow is valid (warnings or not), 2 one has problems, cannot be read or is not a flow document, or bad usage.",
	})
	jsonOut := fs.Bool("json", false, "print {valid, problems, warnings} as JSON (for several files, a list of them, each with its file)")
	flowID := fs.String("flow-id", "", "the flow's own id, to find nodes calling the flow itself (default: the file's name without .json, as run finds called flows; one file only)")
	flowsDir := fs.String("flows", "", "where the flows it calls are, as ID.json (default: the flow file's directory, as for run)")
	pos, code, ok := u.parse(args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return u.bad("missing the flow file to check (FLOW.json)")
	}
	if *flowID != "" && len(pos) > 1 {
		return u.bad("--flow-id names one flow's id: give it with one file (each file's id is otherwise its name)")
	}
	exit, bad := ExitOK, 0
	var reports []validation
	for _, path := range pos {
		v := validateFile(path, *flowID, *flowsDir)
		if !v.Valid {
			exit, bad = ExitInvalid, bad+1
		}
		if *jsonOut {
			reports = append(reports, v)
			continue
		}
		switch {
		case v.readErr != nil:
			env.errorf("read flow: %v", v.readErr)
		case v.decodeErr != nil:
			env.errorf("%s: %v", path, v.decodeErr)
		case len(v.Problems) == 0:
			fmt.Fprintf(env.Stdout, "%s: valid (%d nodes, %d connections)\n", path, v.nodes, v.connections)
		default:
			printProblems(env.Stdout, path, v.Problems)
		}
		if len(v.Warnings) > 0 {
			printList(env.Stdout, fmt.Sprintf("%s: %d warning(s), which do not make it invalid:", path, len(v.Warnings)), v.Warnings)
		}
	}
	if *jsonOut {
		var out []byte
		if len(reports) == 1 {
			out, _ = json.MarshalIndent(reports[0], "", "  ")
		} else {
			out, _ = json.MarshalIndent(reports, "", "  ")
		}
		fmt.Fprintln(env.Stdout, string(out))
	} else if len(pos) > 1 {
		fmt.Fprintf(env.Stdout, "%d files: %d valid, %d not\n", len(pos), len(pos)-bad, bad)
	}
	return exit
}

// validation is one file's check, as --json prints it.
type validation struct {
	File     string        `json:"file,omitempty"`
	Valid    bool          `json:"valid"`
	Problems flow.Problems `json:"problems"`
	Warnings flow.Problems `json:"warnings"`

	readErr, decodeErr error
	nodes, connections int
}

// validateFile checks one flow file: id is the flow's own id ("" for the file's name) and
// dir where the flows it calls are ("" for the file's directory).
func validateFile(path, id, dir string) validation {
	v := validation{File: path, Problems: flow.Problems{}, Warnings: flow.Problems{}}
	data, err := os.ReadFile(path)
	if err != nil {
		// a script reading --json gets the reason as the one problem, at the document's root
		v.readErr = err
		v.Problems = flow.Problems{{Path: "", Message: "read flow: " + err.Error()}}
		return v
	}
	doc, err := flow.Decode(data)
	if err != nil {
		v.decodeErr = err
		v.Problems = flow.Problems{{Path: "", Message: err.Error()}}
		return v
	}
	v.nodes, v.connections = len(doc.Nodes), len(doc.Connections)
	if id == "" {
		// `run` calls flow ID by reading ID.json next to the file: this file is flow NAME
		id = strings.TrimSuffix(filepath.Base(path), ".json")
		if !flowIDPattern.MatchString(id) {
			id = ""
		}
	}
	if dir == "" {
		dir = filepath.Dir(path)
	}
	// a called flow is ID.json in dir, as run finds it
	exists := func(called string) bool {
		if !flowIDPattern.MatchString(called) || called == "." || called == ".." {
			return false
		}
		st, err := os.Stat(filepath.Join(dir, called+".json"))
		return err == nil && st.Mode().IsRegular()
	}
	// a called flow cannot pause: say what in it can (nothing for one that does not compile,
	// which validating it says)
	pauses := func(called string) []string {
		if !exists(called) {
			return nil
		}
		data, err := os.ReadFile(filepath.Join(dir, called+".json"))
		if err != nil {
			return nil
		}
		cd, err := flow.Decode(data)
		if err != nil {
			return nil
		}
		plan, err := flow.Compile(cd, catalog.Default())
		if err != nil {
			return nil
		}
		return plan.Pausing()
	}
	rep := flow.Check(doc, catalog.Default(), flow.Options{FlowID: id, FlowExists: exists, FlowPauses: pauses})
	if rep.Problems != nil {
		v.Problems = rep.Problems
	}
	if rep.Warnings != nil {
		v.Warnings = rep.Warnings
	}
	v.Valid = len(v.Problems) == 0
	return v
}

func cmdNodes(_ context.Context, env *Env, args []string) int {
	fs, u := newFlags(env, "nodes", help{
		synopsis: "[--json] [--category NAME] [ID]",
		about: `Lists the node types by category, or, given a type's ID, that type's documentation, inputs
and outputs. The IDs are what a flow document's "type" holds.`,
		examples: []string{
			"polysynergy nodes --category HTTP",
			"polysynergy nodes http.response",
			"polysynergy nodes --json > catalogue.json",
		},
		exits: "0 listed, 2 no such type or category, or bad usage.",
	})
	jsonOut := fs.Bool("json", false, "print the catalogue (or the type) as JSON, grouped by category")
	category := fs.String("category", "", "only this category (any case, e.g. HTTP, \"Flow control\")")
	pos, code, ok := u.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 1 {
		return u.bad("unexpected argument %q: it takes at most one, a node type's ID", pos[1])
	}
	reg := catalog.Default()
	if len(pos) == 1 {
		t, ok := reg.Lookup(pos[0])
		if !ok {
			env.errorf("no node type %q (see: polysynergy nodes)", pos[0])
			return ExitInvalid
		}
		if *jsonOut {
			out, _ := json.MarshalIndent(t, "", "  ")
			fmt.Fprintln(env.Stdout, string(out))
			return ExitOK
		}
		fmt.Fprintf(env.Stdout, "%s — %s (%s, v%d)\n\n%s\n\nInputs:\n", t.ID, t.Name, t.Category, t.Version, t.Doc)
		for _, p := range t.Inputs {
			fmt.Fprintf(env.Stdout, "  %-14s %-10s %s\n", p.Name, p.Type, p.Doc)
		}
		fmt.Fprintln(env.Stdout, "Outputs:")
		for _, p := range t.Outputs {
			fmt.Fprintf(env.Stdout, "  %-14s %-10s %s\n", p.Name, p.Type, p.Doc)
		}
		return ExitOK
	}
	cat := reg.Catalog()
	if *category != "" {
		var keep []nodes.CatalogCategory
		names := make([]string, 0, len(cat.Categories))
		for _, c := range cat.Categories {
			names = append(names, c.Name)
			if strings.EqualFold(c.Name, *category) {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			env.errorf("--category: no category %q; the categories are %s", *category, strings.Join(names, ", "))
			return ExitInvalid
		}
		cat.Categories = keep
		cat.Count = 0
		for _, c := range keep {
			cat.Count += len(c.Types)
		}
	}
	if *jsonOut {
		out, _ := json.MarshalIndent(cat, "", "  ")
		fmt.Fprintln(env.Stdout, string(out))
		return ExitOK
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	for _, c := range cat.Categories {
		fmt.Fprintf(tw, "%s\n", c.Name)
		for _, t := range c.Types {
			fmt.Fprintf(tw, "  %s\t%s\n", t.ID, t.Name)
		}
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\n%d node types\n", cat.Count)
	return ExitOK
}
