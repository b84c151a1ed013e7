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
	fs := newFlags(env, "validate", "FLOW.json [--json] [--flow-id ID]")
	jsonOut := fs.Bool("json", false, "print the problems as JSON")
	flowID := fs.String("flow-id", "", "the flow's own id, to find nodes calling the flow itself (default: the file's name without .json, as run finds called flows)")
	pos, err := parse(fs, args)
	if err != nil {
		return ExitInvalid
	}
	if len(pos) != 1 {
		fs.Usage()
		return ExitInvalid
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		env.errorf("read flow: %v", err)
		return ExitInvalid
	}
	doc, err := flow.Decode(data)
	if err != nil {
		env.errorf("%s: %v", pos[0], err)
		return ExitInvalid
	}
	id := *flowID
	if id == "" {
		// `run` calls flow ID by reading ID.json next to the file: this file is flow NAME
		id = strings.TrimSuffix(filepath.Base(pos[0]), ".json")
		if !flowIDPattern.MatchString(id) {
			id = ""
		}
	}
	probs := flow.ValidateWith(doc, catalog.Default(), flow.Options{FlowID: id})
	if *jsonOut {
		if probs == nil {
			probs = flow.Problems{}
		}
		out, _ := json.MarshalIndent(map[string]any{"valid": len(probs) == 0, "problems": probs}, "", "  ")
		fmt.Fprintln(env.Stdout, string(out))
	} else if len(probs) == 0 {
		fmt.Fprintf(env.Stdout, "%s: valid (%d nodes, %d connections)\n", pos[0], len(doc.Nodes), len(doc.Connections))
	} else {
		printProblems(env.Stdout, pos[0], probs)
	}
	if len(probs) > 0 {
		return ExitInvalid
	}
	return ExitOK
}

func cmdNodes(_ context.Context, env *Env, args []string) int {
	fs := newFlags(env, "nodes", "[--json] [--category NAME] [ID]")
	jsonOut := fs.Bool("json", false, "print the catalogue as JSON, grouped by category")
	category := fs.String("category", "", "only this category")
	pos, err := parse(fs, args)
	if err != nil {
		return ExitInvalid
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
