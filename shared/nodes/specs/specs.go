// Package specs is the node catalogue as data: every node type's ports and
// documentation, generated from the node families (shared/nodes/catalog)
// into specs.json and embedded. The API validates, compiles and lists node
// types from it without linking the families' code and dependencies (a
// JavaScript engine, AWS service clients, AI SDKs) into its binary.
// Regenerate after changing a node type: go generate ./shared/nodes/specs
// (a test fails while the file is stale).
package specs

//go:generate go run ./gen specs.json

import (
	_ "embed"
	"sync"

	"polysynergy/shared/nodes"
)

//go:embed specs.json
var data []byte

// JSON is the embedded specs file.
func JSON() []byte { return data }

// Registry is the catalogue as a registry without code, built once.
var Registry = sync.OnceValues(func() (*nodes.Registry, error) { return nodes.LoadSpecs(data) })
