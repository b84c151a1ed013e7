package nodes

import (
	"strconv"
	"strings"
)

// Stepper counts from a start by a step in the decimals both are written with, so that
// 0.1 by 0.1 gives 0.2 and 0.3 rather than 0.30000000000000004, and a bound written as
// 0.3 is reached. A start or step with more decimals than a float64 holds exactly (1e-20,
// 1/3) is counted without rounding.
type Stepper struct {
	from, step float64
	places     int // -1: no rounding
}

// NewStepper returns a Stepper from from by step.
func NewStepper(from, step float64) Stepper {
	return Stepper{from: from, step: step, places: max(decimalPlaces(from), decimalPlaces(step))}
}

// At is the i-th value (from 0).
func (s Stepper) At(i float64) float64 {
	x := s.from + i*s.step
	if s.places < 0 {
		return x
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'f', s.places, 64), 64)
	if err != nil {
		return x
	}
	return r
}

// Rounds reports whether values are rounded to decimals.
func (s Stepper) Rounds() bool { return s.places >= 0 }

// decimalPlaces is how many digits x has after the decimal point in its shortest form
// (0.25: 2), or -1 when that is more than a float64 holds exactly.
func decimalPlaces(x float64) int {
	_, frac, _ := strings.Cut(strconv.FormatFloat(x, 'f', -1, 64), ".")
	if len(frac) > 15 {
		return -1
	}
	return len(frac)
}
