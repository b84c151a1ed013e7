package flow

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"polysynergy/shared/nodes"
)

// Compile validates doc and turns it into a plan. An invalid document gives a
// *ValidationError listing every problem.
func Compile(doc *Document, reg *nodes.Registry) (*Plan, error) {
	plan, probs, _ := build(doc, reg, Options{})
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	plan.Hash = ContentHash(doc)
	return plan, nil
}

// Compiler compiles documents and caches plans by content hash, so a warm process never
// compiles the same flow twice. It is safe for concurrent use.
type Compiler struct {
	reg   *nodes.Registry
	max   int
	mu    sync.Mutex
	plans map[string]*Plan
	order []string
}

// NewCompiler returns a compiler that keeps up to max plans (default 256).
func NewCompiler(reg *nodes.Registry, max int) *Compiler {
	if max <= 0 {
		max = 256
	}
	return &Compiler{reg: reg, max: max, plans: map[string]*Plan{}}
}

// Registry is the registry plans are compiled against.
func (c *Compiler) Registry() *nodes.Registry { return c.reg }

// CompileJSON decodes and compiles a document, keyed by the hash of its bytes.
func (c *Compiler) CompileJSON(data []byte) (*Plan, error) {
	sum := sha256.Sum256(data)
	key := "raw:" + hex.EncodeToString(sum[:])
	if p := c.get(key); p != nil {
		return p, nil
	}
	doc, err := Decode(data)
	if err != nil {
		return nil, err
	}
	p, err := c.Compile(doc)
	if err != nil {
		return nil, err
	}
	c.put(key, p)
	return p, nil
}

// Compile compiles doc, reusing the cached plan of an identical document.
func (c *Compiler) Compile(doc *Document) (*Plan, error) {
	hash := ContentHash(doc)
	if p := c.get(hash); p != nil {
		return p, nil
	}
	plan, probs, _ := build(doc, c.reg, Options{})
	if len(probs) > 0 {
		return nil, &ValidationError{Problems: probs}
	}
	plan.Hash = hash
	c.put(hash, plan)
	return plan, nil
}

func (c *Compiler) get(key string) *Plan {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plans[key]
}

func (c *Compiler) put(key string, p *Plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.plans[key]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.plans, c.order[0])
		c.order = c.order[1:]
	}
	c.plans[key] = p
	c.order = append(c.order, key)
}
