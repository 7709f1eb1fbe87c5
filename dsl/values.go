package dsl

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
)

// valueKind names what kind of literal a statement expects, for messages.
func valueKind(v *syntax.Value) string {
	switch {
	case v.String != nil:
		return "a string"
	case v.Quantity != nil:
		return "a quantity"
	case v.Float != nil:
		return "a float"
	case v.Int != nil:
		return "an integer"
	case v.Bool != nil:
		return "a boolean"
	}
	return "nothing"
}

// The value readers below return a message (without the statement name)
// when v is not of the wanted kind; callers prefix what they were reading.

func readString(v *syntax.Value) (string, string) {
	if v.String == nil {
		return "", fmt.Sprintf("expected a string, found %s %s", valueKind(v), v.Text())
	}
	s, err := strconv.Unquote(*v.String)
	if err != nil {
		return "", fmt.Sprintf("invalid string literal %s", *v.String)
	}
	return s, ""
}

func readInt(v *syntax.Value) (int64, string) {
	if v.Int == nil {
		return 0, fmt.Sprintf("expected an integer, found %s %s", valueKind(v), v.Text())
	}
	n, err := strconv.ParseInt(*v.Int, 10, 64)
	if err != nil {
		return 0, fmt.Sprintf("integer %s out of range", *v.Int)
	}
	return n, ""
}

func readFloat(v *syntax.Value) (float64, string) {
	var text string
	switch {
	case v.Float != nil:
		text = *v.Float
	case v.Int != nil:
		text = *v.Int
	default:
		return 0, fmt.Sprintf("expected a number, found %s %s", valueKind(v), v.Text())
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, fmt.Sprintf("number %s out of range", text)
	}
	return f, ""
}

func readBool(v *syntax.Value) (bool, string) {
	if v.Bool == nil {
		return false, fmt.Sprintf("expected true or false, found %s %s", valueKind(v), v.Text())
	}
	return *v.Bool == "true", ""
}

// readDuration reads 2500ms, 1s, 1m30s, ... A plain 0 is allowed: zero
// needs no unit.
func readDuration(v *syntax.Value) (time.Duration, string) {
	if v.Int != nil && strings.TrimLeft(*v.Int, "-0") == "" {
		return 0, ""
	}
	if v.Int != nil || v.Float != nil {
		return 0, fmt.Sprintf("duration %s needs a unit (ns, us, ms, s, m, h), such as %ss", v.Text(), v.Text())
	}
	if v.Quantity == nil {
		return 0, fmt.Sprintf("expected a duration such as 1s or 2500ms, found %s %s", valueKind(v), v.Text())
	}
	d, err := time.ParseDuration(*v.Quantity)
	if err != nil {
		if strings.Contains(err.Error(), "unknown unit") {
			return 0, fmt.Sprintf("invalid duration %s: units are ns, us, ms, s, m, h", *v.Quantity)
		}
		if durationUnitsOK(*v.Quantity) {
			return 0, fmt.Sprintf("duration %s out of range", *v.Quantity)
		}
		return 0, fmt.Sprintf("invalid duration %s", *v.Quantity)
	}
	return d, ""
}

var sizeUnits = map[string]int64{
	"B":   1,
	"KB":  1000,
	"KiB": 1 << 10,
	"MB":  1000 * 1000,
	"MiB": 1 << 20,
	"GB":  1000 * 1000 * 1000,
	"GiB": 1 << 30,
}

// readSize reads a byte count: 1000, 64KiB, 1MiB, 2GB.
func readSize(v *syntax.Value) (int64, string) {
	if v.Int != nil {
		return readInt(v)
	}
	if v.Quantity == nil {
		return 0, fmt.Sprintf("expected a size such as 1MiB, found %s %s", valueKind(v), v.Text())
	}
	q := *v.Quantity
	i := strings.IndexFunc(q, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
	num, unit := q[:i], q[i:]
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Sprintf("invalid size %s: units are B, KB, KiB, MB, MiB, GB, GiB", q)
	}
	if strings.Contains(num, ".") {
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f*float64(mult) > math.MaxInt64/2 {
			return 0, fmt.Sprintf("size %s out of range", q)
		}
		return int64(f * float64(mult)), ""
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > math.MaxInt64/mult || n < math.MinInt64/mult {
		return 0, fmt.Sprintf("size %s out of range", q)
	}
	return n * mult, ""
}

// durationUnitsOK reports whether every unit in q is one ParseDuration
// knows, so that its failure can only be an overflow.
func durationUnitsOK(q string) bool {
	q = strings.TrimPrefix(q, "-")
	for q != "" {
		i := strings.IndexFunc(q, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' })
		if i <= 0 {
			return false
		}
		q = q[i:]
		j := strings.IndexFunc(q, func(r rune) bool { return r >= '0' && r <= '9' })
		if j < 0 {
			j = len(q)
		}
		switch q[:j] {
		case "ns", "us", "ms", "s", "m", "h":
		default:
			return false
		}
		q = q[j:]
	}
	return true
}
