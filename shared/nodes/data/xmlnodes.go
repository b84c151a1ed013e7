package data

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"

	"polysynergy/shared/nodes"
)

func xmlTypes() []*nodes.Type { return []*nodes.Type{xmlParseType(), xmlFormatType()} }

// XML keys: attributes are "@name", an element's text beside attributes or children is "#text".
const (
	xmlAttrPrefix = "@"
	xmlTextKey    = "#text"
	// maxXMLDepth bounds element nesting, so hostile input cannot exhaust the stack.
	maxXMLDepth = 256
)

// XMLError is XML text that does not parse, with the 1-based line where reading stopped.
type XMLError struct {
	Line int
	Msg  string
}

func (e *XMLError) Error() string { return fmt.Sprintf("invalid XML at line %d: %s", e.Line, e.Msg) }

// XMLOptions control ParseXML.
type XMLOptions struct {
	// AlwaysList makes every child element a list, even when it occurs once.
	AlwaysList bool
	// InferTypes turns numeric text into numbers and true/false into booleans.
	InferTypes bool
	// StripNamespaces drops namespace prefixes from names (soap:Body is Body) and leaves
	// out the xmlns declarations.
	StripNamespaces bool
}

// ParseXML reads an XML document into {root: value}. An element with only text becomes that
// text; otherwise an object with "@attr" keys, child elements by name (repeated ones as a
// list) and "#text" for text beside them; an empty element is "". Names are as written,
// with their namespace prefix (soap:Envelope), and namespace declarations are attributes
// (@xmlns:soap), as xml2js (n8n's XML node) reads them, so FormatXML writes the same
// document back; StripNamespaces drops both. Comments, processing instructions and the
// doctype are skipped.
func ParseXML(ctx context.Context, text string, opt XMLOptions) (map[string]any, error) {
	// a UTF-8 byte order mark (XML 1.0 allows one) is not text before the root
	text = strings.TrimPrefix(text, "\ufeff")
	d := xml.NewDecoder(strings.NewReader(text))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		// the declaration names the encoding the document was written in: text that is valid
		// UTF-8 was decoded already (an HTTP request decodes the charset it is sent in)
		if utf8.ValidString(text) {
			return in, nil
		}
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, fmt.Errorf("encoding %q declared, which is not one this node knows, and the text is not UTF-8", label)
		}
		return enc.NewDecoder().Reader(in), nil
	}
	type frame struct {
		name     string
		ns       map[string]string // the prefixes this element declares (xmlns:p="uri"; "" for xmlns)
		attrs    map[string]any
		children map[string][]any
		order    []string
		text     strings.Builder
	}
	var stack []*frame
	var root map[string]any
	line := func() int { l, _ := d.InputPos(); return l }
	for n := 0; ; n++ {
		if n%listCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// RawToken keeps the prefixes as written (Token replaces them by the namespace URL);
		// that start and end tags match is checked below
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			if len(stack) > 0 {
				return nil, &XMLError{Line: line(), Msg: "unexpected end: <" + stack[len(stack)-1].name + "> is not closed"}
			}
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, &XMLError{Line: se.Line, Msg: se.Msg}
			}
			return nil, &XMLError{Line: line(), Msg: err.Error()}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := xmlName(t.Name, opt.StripNamespaces)
			if root != nil {
				return nil, &XMLError{Line: line(), Msg: "a second root element <" + name + ">"}
			}
			if len(stack) >= maxXMLDepth {
				return nil, &XMLError{Line: line(), Msg: fmt.Sprintf("elements nest deeper than %d", maxXMLDepth)}
			}
			f := &frame{name: name, children: map[string][]any{}}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					if f.ns == nil {
						f.ns = map[string]string{}
					}
					f.ns[a.Name.Local] = a.Value
				}
			}
			// XML allows an attribute once per start tag, also under two prefixes bound to one
			// namespace (Namespaces in XML 1.0, 6.3); encoding/xml kept the last one silently
			uri := func(prefix string) (string, bool) {
				if u, ok := f.ns[prefix]; ok {
					return u, true
				}
				for i := len(stack) - 1; i >= 0; i-- {
					if u, ok := stack[i].ns[prefix]; ok {
						return u, true
					}
				}
				return "", prefix == "xml"
			}
			seen := map[string]string{} // the attribute's expanded name → its name as written
			for _, a := range t.Attr {
				written := xmlName(a.Name, false)
				key := "\x00" + written
				if a.Name.Space != "" && a.Name.Space != "xmlns" {
					if u, ok := uri(a.Name.Space); ok {
						key = u + "\x00" + a.Name.Local
					}
				}
				if first, dup := seen[key]; dup {
					if first == written {
						return nil, &XMLError{Line: line(), Msg: fmt.Sprintf("attribute %q appears twice in <%s> "+
							"(XML allows an attribute once per element)", written, xmlName(t.Name, false))}
					}
					return nil, &XMLError{Line: line(), Msg: fmt.Sprintf("attributes %q and %q of <%s> are the same "+
						"attribute (their prefixes name one namespace; XML allows an attribute once per element)",
						first, written, xmlName(t.Name, false))}
				}
				seen[key] = written
				if opt.StripNamespaces && (a.Name.Space == "xmlns" || a.Name.Local == "xmlns" && a.Name.Space == "") {
					continue // namespace declarations
				}
				if f.attrs == nil {
					f.attrs = map[string]any{}
				}
				k := xmlAttrPrefix + xmlName(a.Name, opt.StripNamespaces)
				if _, clash := f.attrs[k]; clash {
					return nil, &XMLError{Line: line(), Msg: fmt.Sprintf("attribute %q of <%s> is %s once namespaces "+
						"are stripped, as another attribute of it is: turn strip_namespaces off to keep both",
						written, xmlName(t.Name, false), k)}
				}
				f.attrs[k] = cell(a.Value, opt.InferTypes)
			}
			stack = append(stack, f)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, &XMLError{Line: line(), Msg: "text outside the root element"}
			}
		case xml.EndElement:
			name := xmlName(t.Name, opt.StripNamespaces)
			if len(stack) == 0 {
				return nil, &XMLError{Line: line(), Msg: "</" + name + "> closes no element"}
			}
			f := stack[len(stack)-1]
			if name != f.name {
				return nil, &XMLError{Line: line(), Msg: "element <" + f.name + "> closed by </" + name + ">"}
			}
			stack = stack[:len(stack)-1]
			text := strings.TrimSpace(f.text.String())
			var v any
			if f.attrs == nil && len(f.order) == 0 {
				v = cell(text, opt.InferTypes)
			} else {
				m := make(map[string]any, len(f.attrs)+len(f.order)+1)
				for k, a := range f.attrs {
					m[k] = a
				}
				for _, name := range f.order {
					if list := f.children[name]; len(list) == 1 && !opt.AlwaysList {
						m[name] = list[0]
					} else {
						m[name] = list
					}
				}
				if text != "" {
					m[xmlTextKey] = cell(text, opt.InferTypes)
				}
				v = m
			}
			if len(stack) == 0 {
				root = map[string]any{f.name: v}
				continue
			}
			p := stack[len(stack)-1]
			if _, seen := p.children[f.name]; !seen {
				p.order = append(p.order, f.name)
			}
			p.children[f.name] = append(p.children[f.name], v)
		}
	}
	if root == nil {
		return nil, &XMLError{Line: line(), Msg: "no root element"}
	}
	return root, nil
}

// xmlName is a name as written, prefix:local, or only its local part.
func xmlName(n xml.Name, local bool) string {
	if n.Space == "" || local {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// xmlNamePattern matches element and attribute names FormatXML writes: a name, optionally
// with a namespace prefix (soap:Envelope, xmlns:soap).
var xmlNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9._-]*(:[A-Za-z_][A-Za-z0-9._-]*)?$`)

// usableElementName reports whether name can be an element FormatXML writes: an XML
// name with an optional prefix, neither part starting with the reserved "xml".
func usableElementName(name string) bool {
	if !xmlNamePattern.MatchString(name) {
		return false
	}
	for _, part := range strings.Split(name, ":") {
		if strings.HasPrefix(strings.ToLower(part), "xml") {
			return false
		}
	}
	return true
}

// FormatXML writes value as the XML element name: objects' "@attr" keys become attributes,
// "#text" the element's text, other keys child elements (lists repeat the element); scalars
// are text and null an empty element. Keys are written in sorted order.
func FormatXML(name string, value any, indent bool) (string, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	e := xml.NewEncoder(&buf)
	if indent {
		e.Indent("", "  ")
	}
	if err := writeXML(e, name, value, "", 0); err != nil {
		return "", err
	}
	if err := e.Flush(); err != nil {
		return "", fmt.Errorf("write XML: %w", err)
	}
	if indent {
		buf.WriteByte('\n')
	}
	return buf.String(), nil
}

func writeXML(e *xml.Encoder, name string, v any, path string, depth int) error {
	if depth > maxXMLDepth {
		return fmt.Errorf("%s: nested deeper than %d", path, maxXMLDepth)
	}
	if !usableElementName(name) {
		return fmt.Errorf("%s: %q is not a usable element name", orRoot(path), name)
	}
	if list, ok := v.([]any); ok {
		for i, item := range list {
			if _, nested := item.([]any); nested {
				return fmt.Errorf("%s[%d]: a list inside a list has no element name", orRoot(path), i)
			}
			if err := writeXML(e, name, item, fmt.Sprintf("%s[%d]", orRoot(path), i), depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	start := xml.StartElement{Name: xml.Name{Local: name}}
	var text string
	var children []string
	m, isMap := asMap(v)
	if isMap {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch {
			case k == xmlTextKey:
				text = nodes.ToString(m[k])
			case strings.HasPrefix(k, xmlAttrPrefix):
				an := strings.TrimPrefix(k, xmlAttrPrefix)
				if !xmlNamePattern.MatchString(an) {
					return fmt.Errorf("%s.%s: %q is not a usable attribute name", orRoot(path), k, an)
				}
				if _, ok := asMap(m[k]); ok {
					return fmt.Errorf("%s.%s: an attribute holds text, not an object", orRoot(path), k)
				}
				av := nodes.ToString(m[k])
				if err := xmlChars(av); err != nil {
					return fmt.Errorf("%s.%s: %w", orRoot(path), k, err)
				}
				start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: an}, Value: av})
			default:
				children = append(children, k)
			}
		}
	} else if v != nil {
		text = nodes.ToString(v)
	}
	if err := xmlChars(text); err != nil {
		return fmt.Errorf("%s: %w", orRoot(path), err)
	}
	if err := e.EncodeToken(start); err != nil {
		return fmt.Errorf("%s: %w", orRoot(path), err)
	}
	if text != "" {
		if err := e.EncodeToken(xml.CharData(text)); err != nil {
			return fmt.Errorf("%s: %w", orRoot(path), err)
		}
	}
	for _, k := range children {
		if err := writeXML(e, k, m[k], path+"."+k, depth+1); err != nil {
			return err
		}
	}
	if err := e.EncodeToken(start.End()); err != nil {
		return fmt.Errorf("%s: %w", orRoot(path), err)
	}
	return nil
}

// xmlChars refuses text XML 1.0 cannot hold (control characters but tab and line breaks,
// U+FFFE and U+FFFF, invalid UTF-8), which the encoder would write as U+FFFD.
func xmlChars(s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return fmt.Errorf("is not valid UTF-8 (byte %d)", i)
			}
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF):
			return fmt.Errorf("contains U+%04X, which XML 1.0 cannot hold", r)
		}
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "value"
	}
	return "value" + path
}

func xmlParseType() *nodes.Type {
	return &nodes.Type{
		ID: "xml.parse", Category: catJSON, Name: "Parse XML", Icon: "file-code",
		Doc: "Reads an XML document into an object: `{root_name: value}`.\n\n" +
			"- An element with only text becomes that text; an empty one `\"\"`.\n" +
			"- Otherwise it becomes an object: attributes as `@name` keys, child elements by name (repeated ones " +
			"as a list; with `always_list` every child is a list), and `#text` for text beside them.\n" +
			"- Names keep their namespace prefix as written (`soap:Envelope`, `@xsi:type`) and namespace " +
			"declarations are attributes (`@xmlns:soap`), as n8n's XML node reads them, so Format XML writes the " +
			"same document back; `strip_namespaces` drops prefixes and declarations (`Envelope`).\n" +
			"- Comments, processing instructions and the doctype are skipped; HTML entities such as `&nbsp;` are " +
			"understood.\n- An attribute written twice in one element (`<a x=\"1\" x=\"2\">`, or under two prefixes " +
			"of one namespace) is an error naming it, as XML requires; so are two attributes that `strip_namespaces` " +
			"would make one (`a:id` and `b:id`).\n- `infer_types` turns numbers and true/false " +
			"into numbers and booleans (text with leading zeros stays text).\n\nBad XML is an error naming the line.\n\n" +
			"Example: `<order id=\"7\"><item>a</item><item>b</item></order>` → " +
			"`{\"order\": {\"@id\": \"7\", \"item\": [\"a\", \"b\"]}}`.",
		Inputs: []nodes.Port{
			{Name: "text", Type: nodes.String, Required: true, Editor: nodes.EditCode, Doc: "The XML text."},
			{Name: "always_list", Type: nodes.Boolean, Default: false, Doc: "Make every child element a list, even when it occurs once."},
			{Name: "infer_types", Type: nodes.Boolean, Default: false, Doc: "Turn numeric text into numbers and true/false into booleans."},
			{Name: "strip_namespaces", Type: nodes.Boolean, Default: false, Doc: "Drop namespace prefixes from names (`soap:Body` → `Body`) and leave out xmlns declarations."},
		},
		Outputs: []nodes.Port{
			{Name: "data", Type: nodes.Object, Doc: "The document: {root_name: value}."},
			{Name: "root", Type: nodes.String, Doc: "The root element's name."},
			{Name: "value", Type: nodes.Any, Doc: "The root element's value."},
		},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			data, err := ParseXML(ctx, c.Str("text"), XMLOptions{AlwaysList: c.Bool("always_list"),
				InferTypes: c.Bool("infer_types"), StripNamespaces: c.Bool("strip_namespaces")})
			if err != nil {
				var xe *XMLError
				if errors.As(err, &xe) {
					return nil, nodes.Errorf("text", "%v", err)
				}
				return nil, err
			}
			out := nodes.Out{"data": data}
			for k, v := range data {
				out["root"], out["value"] = k, v
			}
			return out, nil
		},
	}
}

func xmlFormatType() *nodes.Type {
	return &nodes.Type{
		ID: "xml.format", Category: catJSON, Name: "Format XML", Icon: "file-code",
		Doc: "Writes `value` as an XML document whose root element is `root`, the reverse of Parse XML: in " +
			"objects, `@name` keys are attributes, `#text` is the element's text and other keys are child elements " +
			"(a list repeats the element); numbers, booleans and text are the element's text and null an empty " +
			"element. Keys are written in alphabetical order. Text is escaped; a control character XML cannot hold (other than tab and line breaks) is an error naming where it is. Names must be XML names not " +
			"starting with `xml`, optionally with a namespace prefix: `soap:Envelope` with an `@xmlns:soap` " +
			"attribute writes `<soap:Envelope xmlns:soap=\"…\">`, as Parse XML reads it.\n\n" +
			"Example: root `order`, value `{\"@id\": 7, \"item\": [\"a\", \"b\"]}` → " +
			"`<order id=\"7\"><item>a</item><item>b</item></order>` (after the XML declaration).",
		Inputs: []nodes.Port{
			{Name: "value", Type: nodes.Any, Required: true, Editor: nodes.EditJSON, Doc: "The root element's content."},
			{Name: "root", Type: nodes.String, Default: "root", Doc: "The root element's name."},
			{Name: "indent", Type: nodes.Boolean, Default: false, Doc: "Put each element on its own line, indented."},
		},
		Outputs: []nodes.Port{{Name: "text", Type: nodes.String, Doc: "The XML document."}},
		Run: func(_ context.Context, c *nodes.Call) (nodes.Out, error) {
			root := strings.TrimSpace(c.Str("root"))
			if root == "" {
				root = "root"
			}
			if !usableElementName(root) {
				return nil, nodes.Errorf("root", "%q is not a usable element name (letters, digits, _ - . with an optional prefix: ; not starting with xml)", root)
			}
			v := c.Get("value")
			if list, ok := v.([]any); ok && len(list) != 1 {
				return nil, nodes.Errorf("value", "a document has one root element; got a list of %d (wrap it in an object)", len(list))
			}
			text, err := FormatXML(root, v, c.Bool("indent"))
			if err != nil {
				return nil, nodes.Errorf("value", "%v", err)
			}
			return nodes.Out{"text": text}, nil
		},
	}
}
