package schedule

import (
	"fmt"
	"strconv"
	"strings"
)

// ToEventBridge converts a 5-field cron expression (or macro) to EventBridge
// Scheduler's `cron(minutes hours day-of-month month day-of-week year)`.
// See [Cron.EventBridge] for the conversion rules.
func ToEventBridge(expr string) (string, error) {
	c, err := Parse(expr)
	if err != nil {
		return "", err
	}
	return c.EventBridge()
}

// EventBridge returns the expression in EventBridge Scheduler's syntax,
// firing at the same times:
//
//   - minutes, hours, day-of-month and month keep their form item by item
//     (`*`, `5`, `1-5`, `*/15`, `1-30/2`, `5/15`); month names become numbers;
//   - day-of-week is renumbered (cron 0-6 and 7 = SUN-SAT become 1-7) and,
//     because EventBridge has no steps there, written as its values with
//     runs of three or more days as ranges (`1-5` → `2-6`, `5-0` → `1,6,7`);
//   - exactly one day field is `?`: day-of-month when only day-of-week is
//     restricted, otherwise day-of-week;
//   - the year is `*`.
//
// When both day fields are restricted classic cron fires when EITHER matches,
// which EventBridge cannot express; the error then wraps [ErrNotExpressible].
func (c *Cron) EventBridge() (string, error) {
	dom, dow := &c.fields[iDom], &c.fields[iDow]
	if dom.restricted() && dow.restricted() {
		return "", fmt.Errorf("cron %q %w: both day-of-month (%q) and day-of-week (%q) are restricted, "+
			"so classic cron fires on days matching either, but EventBridge requires one of them to be '?'; "+
			"restrict only one of the two or use two schedules",
			c.expr, ErrNotExpressible, dom.text, dow.text)
	}
	domOut, dowOut := "*", "?"
	switch {
	case dom.restricted():
		domOut = ebItems(dom)
	case dow.restricted():
		domOut, dowOut = "?", ebWeekdays(dow)
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)",
		ebItems(&c.fields[iMinute]), ebItems(&c.fields[iHour]), domOut, ebItems(&c.fields[iMonth]), dowOut), nil
}

// ebItems writes a minute, hour, day-of-month or month field item by item in
// numeric form. A field containing a bare `*` is simply `*`.
func ebItems(f *field) string {
	parts := make([]string, 0, len(f.items))
	for _, it := range f.items {
		var s string
		switch it.kind {
		case kindStar:
			if it.step == 0 {
				return "*"
			}
			s = "*"
		case kindSingle:
			s = strconv.Itoa(it.lo)
		case kindRange:
			s = strconv.Itoa(it.lo) + "-" + strconv.Itoa(it.hi)
		}
		if it.step > 0 {
			s += "/" + strconv.Itoa(it.step)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ",")
}

// ebWeekdays writes a day-of-week set with EventBridge numbering (1 = SUN …
// 7 = SAT): runs of three or more days as ranges, the rest as a list.
func ebWeekdays(f *field) string {
	var parts []string
	for d := 0; d < 7; {
		if !f.has(d) {
			d++
			continue
		}
		end := d
		for end+1 < 7 && f.has(end+1) {
			end++
		}
		if end-d >= 2 {
			parts = append(parts, fmt.Sprintf("%d-%d", d+1, end+1))
		} else {
			for v := d; v <= end; v++ {
				parts = append(parts, strconv.Itoa(v+1))
			}
		}
		d = end + 1
	}
	return strings.Join(parts, ",")
}
