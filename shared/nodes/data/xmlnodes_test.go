package data

import (
	"context"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
)

func xmlCases() []nodeCase {
	return []nodeCase{
		// xml.parse
		{name: "attributes, repeats and text", id: "xml.parse", in: map[string]any{"text": `<?xml version="1.0"?>
<!-- an order -->
<order id="7" xmlns:x="urn:x"><x:item sku="a">Apple</x:item><item>Pear</item><note/><total>12.50</total></order>`},
			want: nodes.Out{"root": "order", "value": map[string]any{"@id": "7", "@xmlns:x": "urn:x", "x:item": map[string]any{"@sku": "a", "#text": "Apple"},
				"item": "Pear", "note": "", "total": "12.50"}}},
		{name: "namespaces stripped", id: "xml.parse", in: map[string]any{"strip_namespaces": true, "text": `<order id="7" xmlns:x="urn:x" xmlns="urn:d">` +
			`<x:item x:sku="a">Apple</x:item><item>Pear</item></order>`},
			want: nodes.Out{"root": "order", "value": map[string]any{"@id": "7", "item": []any{map[string]any{"@sku": "a", "#text": "Apple"}, "Pear"}}}},
		{name: "soap envelope keeps prefixes", id: "xml.parse", in: map[string]any{"text": soapEnvelope},
			want: nodes.Out{"root": "soap:Envelope", "value": map[string]any{
				"@xmlns:soap": "http://schemas.xmlsoap.org/soap/envelope/", "@xmlns:m": "urn:stock",
				"soap:Header": "", "soap:Body": map[string]any{"m:GetPrice": map[string]any{
					"@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance", "m:Item": map[string]any{"@xsi:type": "string", "#text": "Apple"}}}}}},
		// an attribute twice in one start tag is not XML (encoding/xml kept the last one silently)
		{name: "duplicate attribute", id: "xml.parse", in: map[string]any{"text": "<order>\n<item sku=\"a\" qty=\"1\" sku=\"b\"/></order>"},
			errPort: "text", errText: `invalid XML at line 2: attribute "sku" appears twice in <item>`},
		{name: "duplicate prefixed attribute", id: "xml.parse", in: map[string]any{"text": `<a xmlns:x="urn:x" x:id="1" x:id="2"/>`},
			errPort: "text", errText: `attribute "x:id" appears twice in <a>`},
		{name: "duplicate namespace declaration", id: "xml.parse", in: map[string]any{"text": `<a xmlns:x="urn:x" xmlns:x="urn:y"/>`},
			errPort: "text", errText: `attribute "xmlns:x" appears twice`},
		{name: "one attribute under two prefixes", id: "xml.parse", in: map[string]any{"text": `<r xmlns:p="urn:n"><a xmlns:q="urn:n" p:id="1" q:id="2"/></r>`},
			errPort: "text", errText: `attributes "p:id" and "q:id" of <a> are the same attribute`},
		{name: "one name once namespaces are stripped", id: "xml.parse", in: map[string]any{"strip_namespaces": true, "text": `<a xmlns:p="urn:p" xmlns:q="urn:q" p:id="1" q:id="2"/>`},
			errPort: "text", errText: `attribute "q:id" of <a> is @id once namespaces are stripped`},
		{name: "same local name in two namespaces", id: "xml.parse", in: map[string]any{"text": `<a xmlns:p="urn:p" xmlns:q="urn:q" p:id="1" q:id="2" id="3"/>`},
			want: nodes.Out{"value": map[string]any{"@xmlns:p": "urn:p", "@xmlns:q": "urn:q", "@p:id": "1", "@q:id": "2", "@id": "3"}}},
		// a UTF-8 byte order mark (files saved on Windows) was "text outside the root element"
		{name: "byte order mark", id: "xml.parse", in: map[string]any{"text": "\ufeff<?xml version=\"1.0\"?>\n<a>x</a>"},
			want: nodes.Out{"data": map[string]any{"a": "x"}, "root": "a"}},
		{name: "byte order mark without declaration", id: "xml.parse", in: map[string]any{"text": "\ufeff<a>x</a>"},
			want: nodes.Out{"data": map[string]any{"a": "x"}, "root": "a"}},
		{name: "prefixed end tag must match", id: "xml.parse", in: map[string]any{"text": "<a:x xmlns:a='u' xmlns:b='u'>\n</b:x>"},
			errPort: "text", errText: "invalid XML at line 2: element <a:x> closed by </b:x>"},
		{name: "stray end tag", id: "xml.parse", in: map[string]any{"text": "</a>"}, errPort: "text", errText: "closes no element"},
		{name: "unclosed at the end", id: "xml.parse", in: map[string]any{"text": "<a><b></b>"}, errPort: "text", errText: "<a> is not closed"},
		{name: "always list and inferred types", id: "xml.parse", in: map[string]any{"text": "<r><n>3</n><ok>true</ok><zip>007</zip></r>",
			"always_list": true, "infer_types": true},
			want: nodes.Out{"data": map[string]any{"r": map[string]any{"n": []any{3.0}, "ok": []any{true}, "zip": []any{"007"}}}}},
		{name: "mixed text, entities and CDATA", id: "xml.parse", in: map[string]any{"text": "<p>a &amp; b&nbsp;<b>bold</b><![CDATA[<raw>]]></p>"},
			want: nodes.Out{"value": map[string]any{"b": "bold", "#text": "a & b\u00a0<raw>"}}},
		// a declared encoding: the text is already decoded (an HTTP request decodes the charset it
		// is sent in), or raw bytes in that encoding; an unknown one names itself
		{name: "declared ISO-8859-1, text already decoded", id: "xml.parse", in: map[string]any{"text": `<?xml version="1.0" encoding="ISO-8859-1"?><r>café</r>`},
			want: nodes.Out{"data": map[string]any{"r": "café"}}},
		{name: "declared windows-1252, raw bytes", id: "xml.parse", in: map[string]any{"text": "<?xml version=\"1.0\" encoding=\"windows-1252\"?><r>caf\xe9 \x80</r>"},
			want: nodes.Out{"data": map[string]any{"r": "café €"}}},
		{name: "declared unknown encoding", id: "xml.parse", in: map[string]any{"text": "<?xml version=\"1.0\" encoding=\"x-martian\"?><r>\xff</r>"},
			errPort: "text", errText: `encoding "x-martian"`},
		{name: "text only root", id: "xml.parse", in: map[string]any{"text": "<greeting> hi </greeting>"}, want: nodes.Out{"data": map[string]any{"greeting": "hi"}}},
		{name: "unclosed", id: "xml.parse", in: map[string]any{"text": "<a>\n<b></a>"}, errPort: "text", errText: "invalid XML at line 2"},
		{name: "two roots", id: "xml.parse", in: map[string]any{"text": "<a/><b/>"}, errPort: "text", errText: "a second root element <b>"},
		{name: "empty", id: "xml.parse", in: map[string]any{"text": "  "}, errPort: "text", errText: "no root element"},
		{name: "text outside", id: "xml.parse", in: map[string]any{"text": "<a/>junk"}, errPort: "text", errText: "text outside the root"},

		// xml.format
		{name: "object", id: "xml.format", in: map[string]any{"root": "order", "value": map[string]any{"@id": 7.0, "item": []any{"a", "b"},
			"note": nil, "who": map[string]any{"#text": "Ann & Bo", "@vip": true}}},
			want: nodes.Out{"text": `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<order id="7"><item>a</item><item>b</item><note></note><who vip="true">Ann &amp; Bo</who></order>`}},
		{name: "indented scalar", id: "xml.format", in: map[string]any{"value": map[string]any{"a": map[string]any{"b": 1.0}}, "indent": true},
			want: nodes.Out{"text": `<?xml version="1.0" encoding="UTF-8"?>` + "\n<root>\n  <a>\n    <b>1</b>\n  </a>\n</root>\n"}},
		{name: "prefixed names", id: "xml.format", in: map[string]any{"root": "soap:Envelope", "value": map[string]any{
			"@xmlns:soap": "urn:s", "soap:Body": map[string]any{"@xsi:nil": "true", "@xmlns:xsi": "urn:i"}}},
			want: nodes.Out{"text": `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<soap:Envelope xmlns:soap="urn:s"><soap:Body xmlns:xsi="urn:i" xsi:nil="true"></soap:Body></soap:Envelope>`}},
		// a character XML cannot hold was written as U+FFFD without a word, changing the data
		{name: "control character in text", id: "xml.format", in: map[string]any{"value": map[string]any{"a": "x\x00y"}},
			errPort: "value", errText: "value.a: contains U+0000, which XML 1.0 cannot hold"},
		{name: "control character in an attribute", id: "xml.format", in: map[string]any{"value": map[string]any{"@id": "\x1b[0m"}},
			errPort: "value", errText: "value.@id: contains U+001B, which XML 1.0 cannot hold"},
		{name: "tabs, line breaks and emoji are fine", id: "xml.format", in: map[string]any{"value": "a\tb\nc 👋"},
			want: nodes.Out{"text": xml.Header + "<root>a&#x9;b\nc 👋</root>"}},
		{name: "reserved prefix", id: "xml.format", in: map[string]any{"value": "x", "root": "xmlns:a"}, errPort: "root"},
		{name: "two colons", id: "xml.format", in: map[string]any{"value": map[string]any{"a:b:c": "x"}}, errPort: "value", errText: "not a usable element name"},
		{name: "bad root", id: "xml.format", in: map[string]any{"value": "x", "root": "1st"}, errPort: "root", errText: "not a usable element name"},
		{name: "reserved root", id: "xml.format", in: map[string]any{"value": "x", "root": "xmlThing"}, errPort: "root"},
		{name: "bad key", id: "xml.format", in: map[string]any{"value": map[string]any{"a b": 1.0}}, errPort: "value", errText: `value.a b: "a b" is not a usable element name`},
		{name: "object attribute", id: "xml.format", in: map[string]any{"value": map[string]any{"@a": map[string]any{}}}, errPort: "value", errText: "an attribute holds text"},
		{name: "list root", id: "xml.format", in: map[string]any{"value": []any{"a", "b"}}, errPort: "value", errText: "one root element"},
		{name: "nested lists", id: "xml.format", in: map[string]any{"value": map[string]any{"a": []any{[]any{"x"}}}}, errPort: "value", errText: "a list inside a list"},
	}
}

func TestXMLRoundTrip(t *testing.T) {
	r := newRegistry(t)
	value := map[string]any{"@id": "A-1", "line": []any{map[string]any{"@n": "1", "#text": "<tag> & \"quotes\""}, "plain"},
		"empty": "", "nested": map[string]any{"deep": "x"}}
	f, err := runNode(t, r, "xml.format", map[string]any{"root": "doc", "value": value, "indent": true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := runNode(t, r, "xml.parse", map[string]any{"text": f["text"]}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p["data"], map[string]any{"doc": value}) {
		t.Fatalf("round trip = %#v, want %#v\n%s", p["data"], value, f["text"])
	}
}

const soapEnvelope = `<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:stock">
  <soap:Header/>
  <soap:Body>
    <m:GetPrice xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <m:Item xsi:type="string">Apple</m:Item>
    </m:GetPrice>
  </soap:Body>
</soap:Envelope>`

// TestXMLSOAPRoundTrip parses a SOAP envelope and writes it back: prefixes, namespace
// declarations and prefixed attributes survive, and the result parses to the same value.
func TestXMLSOAPRoundTrip(t *testing.T) {
	r := newRegistry(t)
	p, err := runNode(t, r, "xml.parse", map[string]any{"text": soapEnvelope}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, err := runNode(t, r, "xml.format", map[string]any{"root": p["root"], "value": p["value"], "indent": true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := f["text"].(string)
	for _, want := range []string{`<soap:Envelope xmlns:m="urn:stock" xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">`,
		`<soap:Body>`, `<m:GetPrice xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`, `<m:Item xsi:type="string">Apple</m:Item>`,
		`</soap:Envelope>`} {
		if !strings.Contains(text, want) {
			t.Errorf("formatted envelope lacks %s:\n%s", want, text)
		}
	}
	again, err := runNode(t, r, "xml.parse", map[string]any{"text": text}, nil)
	if err != nil {
		t.Fatalf("parse the written envelope: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(again["data"], p["data"]) {
		t.Fatalf("round trip = %#v, want %#v", again["data"], p["data"])
	}
}

func TestXMLDepthLimit(t *testing.T) {
	deep := strings.Repeat("<a>", maxXMLDepth+1) + strings.Repeat("</a>", maxXMLDepth+1)
	_, err := ParseXML(context.Background(), deep, XMLOptions{})
	var xe *XMLError
	if !errors.As(err, &xe) || !strings.Contains(xe.Msg, "nest deeper") {
		t.Fatalf("deep document: %v", err)
	}
	v := any("x")
	for i := 0; i < maxXMLDepth+2; i++ {
		v = map[string]any{"a": v}
	}
	if _, err := FormatXML("root", v, false); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("deep value: %v", err)
	}
}

// FuzzParseXML checks that ParseXML never panics, reports bad input as XMLErrors with a line,
// and that what it reads has one root and formats back into XML that reads the same.
func FuzzParseXML(f *testing.F) {
	for _, s := range []string{`<a x="1"><b>t</b><b/></a>`, "<a>&amp;&nbsp;<![CDATA[x]]></a>", "<a><b>", "<a/><b/>",
		`<?xml version="1.0"?><!DOCTYPE a><a xmlns="urn:x"><!--c--><n:b xmlns:n="urn:n">1</n:b></a>`, "text", "<a>x<b/>y</a>",
		`<a x="1" x="2"/>`, `<r xmlns:p="u"><a xmlns:q="u" p:i="1" q:i="2"/></r>`} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, always bool) {
		data, err := ParseXML(context.Background(), s, XMLOptions{AlwaysList: always})
		if err != nil {
			var xe *XMLError
			if !errors.As(err, &xe) || xe.Line < 1 {
				t.Fatalf("ParseXML(%q): bad error %v", s, err)
			}
			return
		}
		if len(data) != 1 {
			t.Fatalf("ParseXML(%q) = %#v: want one root", s, data)
		}
		for root, v := range data {
			text, err := FormatXML(root, v, false)
			if err != nil {
				return // names that parse but are not written (e.g. xml-prefixed) are refused, not mangled
			}
			again, err := ParseXML(context.Background(), text, XMLOptions{AlwaysList: always})
			if err != nil {
				t.Fatalf("formatted %q does not parse: %v", text, err)
			}
			if !reflect.DeepEqual(again, data) && !always {
				t.Fatalf("ParseXML(%q) = %#v, formatted %q reads %#v", s, data, text, again)
			}
		}
	})
}
