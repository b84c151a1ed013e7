// Package data holds the data node family: building and reshaping objects, list
// operations, JSON / CSV / XML / JMESPath, type casts, encodings, hashes and signatures,
// ids, and dates in IANA time zones. Node ids use the families data, list, json, csv, xml,
// encoding, crypto, id and date; one Register adds them all.
package data

import (
	"fmt"
	"strings"

	// IANA zones must resolve on hosts without a zoneinfo database (Lambda images).
	_ "time/tzdata"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/data/path"
)

// Palette categories of the family.
const (
	catData     = "Data"
	catJSON     = "JSON"
	catEncoding = "Encoding"
	catCrypto   = "Crypto"
	catDate     = "Date & time"
)

// Register adds every data, list, json, csv, xml, encoding, crypto, id and date node type to r.
func Register(r *nodes.Registry) error {
	for _, group := range [][]*nodes.Type{
		objectTypes(), listTypes(), jsonTypes(), csvTypes(), xmlTypes(), encodingTypes(), cryptoTypes(), dateTypes(),
	} {
		if err := r.Register(group...); err != nil {
			return err
		}
	}
	return nil
}

// parsePath parses the path input port, failing with an error naming the port.
func parsePath(c *nodes.Call, port string) (path.Path, error) {
	p, err := path.Parse(strings.TrimSpace(c.Str(port)))
	if err != nil {
		return nil, nodes.Errorf(port, "%v", err)
	}
	return p, nil
}

// listOrEmpty returns a list input; nothing counts as the empty list.
func listOrEmpty(c *nodes.Call, port string) ([]any, error) {
	if c.Get(port) == nil {
		return []any{}, nil
	}
	return c.List(port)
}

// objectOrEmpty returns an object input; nothing counts as the empty object.
func objectOrEmpty(c *nodes.Call, port string) (map[string]any, error) {
	if c.Get(port) == nil {
		return map[string]any{}, nil
	}
	return c.Map(port)
}

// stringList reads a list of strings, also accepting one comma-separated string.
func stringList(c *nodes.Call, port string) ([]string, error) {
	switch v := c.Get(port).(type) {
	case nil:
		return nil, nil
	case string:
		var out []string
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	l, err := c.List(port)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(l))
	for i, e := range l {
		switch e.(type) {
		case string, float64, int, bool:
			out = append(out, nodes.ToString(e))
		default:
			return nil, nodes.Errorf(port, "item %d: expected a string, got %s", i, nodes.Describe(e))
		}
	}
	return out, nil
}

// bytesOf returns the bytes of a text or bytes value.
func bytesOf(v any) []byte {
	if b, ok := v.([]byte); ok {
		return b
	}
	return []byte(nodes.ToString(v))
}

// num converts an int to the float64 the engine uses for numbers.
func num(i int) float64 { return float64(i) }

// oneOf checks a select input against its options.
func oneOf(c *nodes.Call, port string, options ...string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(c.Str(port)))
	for _, o := range options {
		if v == o {
			return v, nil
		}
	}
	return "", nodes.Errorf(port, "unknown value %q (use %s)", v, strings.Join(options, ", "))
}

// itemError is an error about one element of a list input.
func itemError(port string, i int, format string, args ...any) error {
	return nodes.Errorf(port, "item %d: %s", i, fmt.Sprintf(format, args...))
}

// fmtDoc formats a documentation string.
func fmtDoc(format string, args ...any) string { return fmt.Sprintf(format, args...) }
