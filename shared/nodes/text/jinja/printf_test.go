package jinja

import (
	"context"
	"strings"
	"testing"
)

// The format filter and the % operator on text follow Python's printf-style formatting, as
// Jinja does: %f takes whole numbers, %d decimals (truncated), %s any value as Jinja prints it.
func TestPrintfFormatting(t *testing.T) {
	ctx := map[string]any{"n": 2, "f": 2.7, "list": []any{1, 2}, "none": nil, "name": "Ada", "price": 3}
	for _, tc := range []struct{ src, want string }{
		{`{{ "%.2f" | format(n) }}`, "2.00"},
		{`{{ "%.2f" % n }}`, "2.00"},
		{`{{ "%5.1f%%" | format(price) }}`, "  3.0%"},
		{`{{ "%d" | format(f) }}`, "2"},
		{`{{ "%i|%u" | format(n, n) }}`, "2|2"},
		{`{{ "%03d" % 7 }}`, "007"},
		{`{{ "%x %X %o" | format(255, 255, 8) }}`, "ff FF 10"},
		{`{{ "%s" | format(2.0) }}`, "2.0"},
		{`{{ "%s" | format(true) }}`, "True"},
		{`{{ "%s-%s" | format(list, none) }}`, "[1, 2]-None"},
		{`{{ "Hi %s, %d items" % (name, n) }}`, "Hi Ada, 2 items"},
		{`{{ "%-5s|" % name }}`, "Ada  |"},
		{`{{ "%e" % 12345.678 }}`, "1.234568e+04"},
		{`{{ "%c" % 65 }}`, "A"},
		{`{{ 7 % 3 }}`, "1"},
	} {
		got, err := Render(context.Background(), tc.src, ctx, nil, RenderOptions{})
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.src, got, tc.want)
		}
	}
	for _, tc := range []struct{ src, want string }{
		{`{{ "%d" | format(name) }}`, "%d format: a number is required, not string"},
		{`{{ "%s %s" | format(name) }}`, "not enough arguments for format string"},
		{`{{ "%s" | format(name, name) }}`, "not all arguments converted during string formatting"},
		{`{{ "%q" | format(name) }}`, "unsupported format character 'q'"},
		{`{{ "%99999999s" | format(name) }}`, "width"},
	} {
		_, err := Render(context.Background(), tc.src, ctx, nil, RenderOptions{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.src, err, tc.want)
		}
	}
}
