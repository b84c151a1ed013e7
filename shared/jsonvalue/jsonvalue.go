// Package jsonvalue decodes JSON into the values a flow sees: objects as map[string]any,
// arrays as []any, strings, booleans, nil and numbers as float64, except whole numbers
// beyond 2^53 (9007199254740992) within int64's range, which float64 cannot hold exactly
// (ids such as 9007199254740993): those are int64, kept to the digit. Whole numbers beyond
// int64's range (±9223372036854775807) are the nearest float64.
//
// Every place that turns JSON into flow values (Parse JSON, HTTP answers, a paused run's
// state, run inputs, stored results) decodes through this package, so a big id reads the
// same everywhere.
package jsonvalue

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
)

// ExactBeyond is 2^53: whole numbers up to it are exact as float64.
const ExactBeyond = 1 << 53

// RangeError is a number float64 cannot hold (1e400), as encoding/json refuses it.
type RangeError struct {
	Number string
}

func (e *RangeError) Error() string { return fmt.Sprintf("number %s is out of range", e.Number) }

// Unmarshal decodes one JSON document into the value model (see the package doc). It fails
// where json.Unmarshal into an any fails (invalid JSON, anything after the value, a number
// beyond float64's range), with json.Unmarshal's error.
func Unmarshal(data []byte) (any, error) {
	v, err := decode(data)
	if err != nil {
		var plain any
		if perr := json.Unmarshal(data, &plain); perr != nil {
			return nil, perr // its wording, which callers have shown all along
		}
		return nil, err
	}
	return v, nil
}

func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("invalid character after top-level value")
	} else if !errors.Is(err, io.EOF) {
		return nil, err
	}
	return Numbers(v)
}

// UnmarshalMap decodes a JSON object into the value model; null gives a nil map. Another
// value fails with a *json.UnmarshalTypeError, as json.Unmarshal into a map does.
func UnmarshalMap(data []byte) (map[string]any, error) {
	v, err := Unmarshal(data)
	if err != nil {
		return nil, err
	}
	switch m := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return m, nil
	}
	// json.Unmarshal's error for it, so callers that tell "not an object" from "not JSON" can
	return nil, &json.UnmarshalTypeError{Value: kind(v), Type: reflect.TypeFor[map[string]any]()}
}

func kind(v any) string {
	switch v.(type) {
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "bool"
	}
	return "number"
}

// Numbers replaces, in place, the json.Numbers in v (decoded with a json.Decoder's
// UseNumber) by float64, or by int64 for whole numbers beyond 2^53 within int64's range.
// The error is a *RangeError for a number too large for float64.
func Numbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		return Number(x)
	case map[string]any:
		for k, e := range x {
			c, err := Numbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
	case []any:
		for i, e := range x {
			c, err := Numbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = c
		}
	}
	return v, nil
}

// NumbersMap is Numbers for an object's values.
func NumbersMap(m map[string]any) (map[string]any, error) {
	if _, err := Numbers(m); err != nil {
		return nil, err
	}
	return m, nil
}

// Number is one JSON number in the value model.
func Number(n json.Number) (any, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i > ExactBeyond || i < -ExactBeyond {
			return i, nil
		}
		return float64(i), nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, &RangeError{Number: string(n)}
	}
	if math.IsInf(f, 0) {
		return nil, &RangeError{Number: string(n)}
	}
	return f, nil // an underflow (1e-400) reads as 0, as encoding/json reads it
}

// Into decodes one JSON document into out (a pointer, as for json.Unmarshal), the values
// held in its interface-typed parts (any fields, map[string]any, []any) in the value model,
// so a struct's Arguments map[string]any keeps 9007199254740993 exact. It fails where
// json.Unmarshal fails, with its error.
func Into(data []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(out)
	if err == nil {
		if _, terr := dec.Token(); terr == nil {
			err = errors.New("invalid character after top-level value")
		} else if !errors.Is(terr, io.EOF) {
			err = terr
		}
	}
	if err == nil {
		err = NumbersIn(out)
	}
	if err != nil {
		if perr := json.Unmarshal(data, out); perr != nil {
			return perr
		}
		return err
	}
	return nil
}

// NumbersIn converts, in place, the json.Numbers held in the interface-typed parts of what
// out points to, as Into does: for a caller decoding with its own json.Decoder (UseNumber,
// and DisallowUnknownFields or a stream). The error is a *RangeError.
func NumbersIn(out any) error { return numbersIn(reflect.ValueOf(out)) }

var numberType = reflect.TypeFor[json.Number]()

// numbersIn converts the json.Numbers held in interface values within v, in place.
func numbersIn(v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			return numbersIn(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		if e.Type() == numberType || e.Kind() == reflect.Map || e.Kind() == reflect.Slice {
			c, err := Numbers(e.Interface())
			if err != nil {
				return err
			}
			if v.CanSet() && e.Type() == numberType {
				v.Set(reflect.ValueOf(c))
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				if err := numbersIn(f); err != nil {
					return err
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			return nil
		}
		for i := range v.Len() {
			if err := numbersIn(v.Index(i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() == reflect.Interface {
			_, err := Numbers(v.Interface())
			if err != nil || v.Type() == reflect.TypeFor[map[string]any]() {
				return err
			}
		}
		iter := v.MapRange()
		for iter.Next() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(iter.Value())
			if err := numbersIn(e); err != nil {
				return err
			}
			v.SetMapIndex(iter.Key(), e)
		}
	}
	return nil
}
