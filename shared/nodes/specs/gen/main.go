// Command gen writes the node specs file of package specs from the node
// families: go run ./gen specs.json
package main

import (
	"fmt"
	"os"

	"polysynergy/shared/nodes/catalog"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: gen OUTPUT.json")
	}
	reg, err := catalog.New()
	if err != nil {
		return err
	}
	b, err := reg.MarshalSpecs()
	if err != nil {
		return err
	}
	return os.WriteFile(args[0], b, 0o644)
}
