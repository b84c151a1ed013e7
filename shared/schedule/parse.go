// Package schedule parses and validates the 5-field cron expressions of
// PolySynergy schedules, computes their fire times in an IANA time zone,
// describes them in plain English, converts them to EventBridge Scheduler's
// cron(...) syntax and syncs them to EventBridge Scheduler.
//
// Semantics follow classic cron: fields are minute, hour, day-of-month, month
// and day-of-week; when both day fields are restricted a day matches if
// EITHER matches. A field counts as restricted when it does not cover every
// value of its range, so `*`, `*/1`, `1-31` and `0-6` are all unrestricted.
package schedule

import (
	"fmt"
	"math/bits"
	"strings"
)

// Cron is a parsed 5-field cron expression. It is immutable and safe for
// concurrent use.
type Cron struct {
	expr   string
	fields [5]field
}

// Index of each field in Cron.fields.
const (
	iMinute = iota
	iHour
	iDom
	iMonth
	iDow
)

// fieldSpec describes the allowed values of one cron field.
type fieldSpec struct {
	name     string
	min, max int      // accepted numeric values (day-of-week accepts 7 for Sunday)
	names    []string // optional names; names[i] is value i+nameBase
	nameBase int
}

var specs = [5]fieldSpec{
	{name: FieldMinute, min: 0, max: 59},
	{name: FieldHour, min: 0, max: 23},
	{name: FieldDayOfMonth, min: 1, max: 31},
	{name: FieldMonth, min: 1, max: 12, nameBase: 1,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{name: FieldDayOfWeek, min: 0, max: 7, nameBase: 0,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// itemKind is the syntactic form of one comma-separated item.
type itemKind int

const (
	kindStar   itemKind = iota // *
	kindSingle                 // 5
	kindRange                  // 1-5
)

// item is one comma-separated element of a field: a star, a single value or
// a range, optionally with a step.
type item struct {
	kind   itemKind
	lo, hi int // inclusive bounds actually covered; for day-of-week hi may exceed 6 (wrapping)
	step   int // 0 when no step was given
}

// field is one parsed cron field.
type field struct {
	text  string
	items []item
	set   uint64 // bit v set when value v matches (day-of-week: bits 0-6)
	full  uint64 // the set of every value of this field
}

// restricted reports whether the field excludes some value.
func (f *field) restricted() bool { return f.set != f.full }

func (f *field) has(v int) bool { return f.set&(1<<uint(v)) != 0 }

// next returns the smallest value >= from in the set, or -1.
func (f *field) next(from int) int {
	m := f.set &^ (uint64(1)<<uint(from) - 1)
	if m == 0 {
		return -1
	}
	return bits.TrailingZeros64(m)
}

// count returns the number of values in the set.
func (f *field) count() int { return bits.OnesCount64(f.set) }

// values lists the set's values in ascending order.
func (f *field) values() []int {
	var out []int
	for m := f.set; m != 0; m &= m - 1 {
		out = append(out, bits.TrailingZeros64(m))
	}
	return out
}

var macros = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// Parse parses a standard 5-field cron expression ("minute hour day-of-month
// month day-of-week") or one of the macros @yearly, @annually, @monthly,
// @weekly, @daily, @midnight and @hourly.
//
// Each field accepts `*`, single values, lists `a,b`, ranges `a-b` and steps
// (`*/5`, `1-30/2`, `5/15` meaning 5 through the field's maximum every 15).
// Month accepts JAN-DEC and day-of-week SUN-SAT (case-insensitive); day-of-week
// accepts 0-7 where both 0 and 7 are Sunday, and ranges that wrap around the
// week (`FRI-MON`). Both day fields also accept `?` as a synonym of `*`.
//
// Any error is an [*Error] naming the field and the problem. Expressions that
// can never fire (such as `0 0 30 2 *`) are rejected.
func Parse(expr string) (*Cron, error) {
	trimmed := strings.TrimSpace(expr)
	if trimmed == "" {
		return nil, &Error{Field: FieldExpression, Value: expr, Reason: "is empty; expected 5 fields (minute hour day-of-month month day-of-week) or a macro such as @daily"}
	}
	body := trimmed
	if strings.HasPrefix(trimmed, "@") {
		m, ok := macros[strings.ToLower(trimmed)]
		if !ok {
			return nil, &Error{Field: FieldExpression, Value: expr, Reason: "unknown macro; supported macros are @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly"}
		}
		body = m
	}
	parts := strings.Fields(body)
	if len(parts) != 5 {
		if reason, ok := foreignCron(trimmed); ok {
			return nil, &Error{Field: FieldExpression, Value: expr, Reason: reason}
		}
		reason := fmt.Sprintf("expected 5 fields (minute hour day-of-month month day-of-week), got %d", len(parts))
		return nil, &Error{Field: FieldExpression, Value: expr, Reason: reason}
	}
	c := &Cron{expr: trimmed}
	for i, p := range parts {
		f, err := parseField(p, &specs[i])
		if err != nil {
			return nil, err
		}
		c.fields[i] = f
	}
	if err := c.checkReachable(); err != nil {
		return nil, err
	}
	return c, nil
}

// String returns the expression as given (without surrounding space).
func (c *Cron) String() string { return c.expr }

func parseField(text string, s *fieldSpec) (field, error) {
	f := field{text: text, full: fullSet(s)}
	fail := func(format string, args ...any) (field, error) {
		return field{}, &Error{Field: s.name, Value: text, Reason: fmt.Sprintf(format, args...)}
	}
	for _, part := range strings.Split(text, ",") {
		if part == "" {
			return fail("has an empty list item (check for doubled or trailing commas)")
		}
		if reason, ok := otherDialectItem(part, s); ok {
			return fail("%s", reason)
		}
		it, err := parseItem(part, s)
		if err != nil {
			return fail("%s", err.Error())
		}
		f.items = append(f.items, it)
		f.set |= it.bits(s)
	}
	return f, nil
}

func fullSet(s *fieldSpec) uint64 {
	hi := s.max
	if s.name == FieldDayOfWeek {
		hi = 6
	}
	return (uint64(1)<<uint(hi+1) - 1) &^ (uint64(1)<<uint(s.min) - 1)
}

// bits returns the values the item covers.
func (it item) bits(s *fieldSpec) uint64 {
	step := it.step
	if step == 0 {
		step = 1
	}
	var set uint64
	for v := it.lo; v <= it.hi; v += step {
		x := v
		if s.name == FieldDayOfWeek {
			x = v % 7
		}
		set |= 1 << uint(x)
	}
	return set
}

// parseItem parses one list item. Errors carry only the reason; parseField
// adds the field and value.
func parseItem(part string, s *fieldSpec) (item, error) {
	base, stepText, hasStep := strings.Cut(part, "/")
	if hasStep && strings.Contains(stepText, "/") {
		return item{}, fmt.Errorf("%q has more than one '/'", part)
	}
	step := 0
	if hasStep {
		if stepText == "" {
			return item{}, fmt.Errorf("%q is missing the step after '/'", part)
		}
		n, ok := number(stepText)
		if !ok {
			return item{}, fmt.Errorf("step %q is not a number", stepText)
		}
		maxStep := s.max - s.min
		if s.name == FieldDayOfWeek {
			maxStep = 6
		}
		if n < 1 || n > maxStep {
			return item{}, fmt.Errorf("step %s is out of range 1-%d", stepText, maxStep)
		}
		step = n
	}
	isDay := s.name == FieldDayOfMonth || s.name == FieldDayOfWeek
	if base == "*" || (isDay && base == "?") {
		hi := s.max
		if s.name == FieldDayOfWeek {
			hi = 6
		}
		return item{kind: kindStar, lo: s.min, hi: hi, step: step}, nil
	}
	if base == "" {
		return item{}, fmt.Errorf("%q is missing a value before '/'", part)
	}
	loText, hiText, isRange := strings.Cut(base, "-")
	if isRange && loText == "" {
		return item{}, fmt.Errorf("range %q is missing its start (negative values are not allowed)", base)
	}
	if isRange && hiText == "" {
		return item{}, fmt.Errorf("range %q is missing its end", base)
	}
	lo, err := value(loText, s)
	if err != nil {
		return item{}, err
	}
	if !isRange {
		hi := lo
		if hasStep {
			// "5/15" means from 5 through the field's maximum, every 15.
			hi = s.max
			if s.name == FieldDayOfWeek {
				if lo == 7 {
					lo = 0
				}
				hi = 6
			}
		}
		return item{kind: kindSingle, lo: lo, hi: hi, step: step}, nil
	}
	if strings.Contains(hiText, "-") {
		return item{}, fmt.Errorf("range %q has more than one '-'", base)
	}
	hi, err := value(hiText, s)
	if err != nil {
		return item{}, err
	}
	if s.name == FieldDayOfWeek {
		// 0 and 7 are both Sunday: "7-2" starts on Sunday, "5-0" ends on it,
		// and a range whose end comes before its start wraps around the week.
		if lo == 7 && hi != 7 {
			lo = 0
		}
		if hi < lo {
			hi += 7
		}
	} else if hi < lo {
		return item{}, fmt.Errorf("range %q starts at %d, after its end %d", base, lo, hi)
	}
	return item{kind: kindRange, lo: lo, hi: hi, step: step}, nil
}

// value parses a number or a name of the field and checks its range.
func value(text string, s *fieldSpec) (int, error) {
	if n, ok := number(text); ok {
		if n < s.min || n > s.max {
			return 0, fmt.Errorf("value %s is out of range %d-%d", text, s.min, s.max)
		}
		return n, nil
	}
	for i, name := range s.names {
		if strings.EqualFold(text, name) {
			return i + s.nameBase, nil
		}
	}
	if len(s.names) > 0 {
		return 0, fmt.Errorf("%q is not a number or one of %s-%s", text, s.names[0], s.names[len(s.names)-1])
	}
	return 0, fmt.Errorf("%q is not a number", text)
}

// number parses a non-negative decimal integer made of ASCII digits only.
// Values too large for any field are clamped so they fail range checks.
func number(text string) (int, bool) {
	if text == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return 0, false
		}
		if n < 1<<20 {
			n = n*10 + int(text[i]-'0')
		}
	}
	return n, true
}

// daysIn is the largest day of each month (index 1-12), counting leap years.
var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

var monthNames = [13]string{"", "January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December"}

// checkReachable rejects expressions whose day-of-month never occurs in any
// of the selected months (only possible when day-of-week is unrestricted).
func (c *Cron) checkReachable() error {
	dom, month, dow := &c.fields[iDom], &c.fields[iMonth], &c.fields[iDow]
	if !dom.restricted() || dow.restricted() {
		return nil
	}
	for _, m := range month.values() {
		if first := dom.values()[0]; first <= daysIn[m] {
			return nil
		}
	}
	return &Error{Field: FieldDayOfMonth, Value: dom.text,
		Reason: fmt.Sprintf("the schedule would never run: no selected day exists in %s", joinWords(monthList(month.values()), "or"))}
}

func monthList(vs []int) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = monthNames[v]
	}
	return out
}

// joinWords joins words as English: "a", "a and b", "a, b and c".
func joinWords(words []string, conj string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}
