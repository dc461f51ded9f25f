package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// figure is one result line: Klaxon's median beside its anchor's, and
// whether the SPEC's target holds.
type figure struct {
	what   string
	unit   string
	klaxon float64
	// anchor is the anchor's median; anchorName is empty for an absolute
	// target.
	anchor     float64
	anchorName string
	// target is SPEC section 8's, empty for a figure it sets none for.
	target string
	met    bool
	// note says what else a reader needs: a censored value, errors.
	note string
}

// ratio is Klaxon's value over the anchor's; 0 without an anchor.
func (f *figure) ratio() float64 {
	if f.anchorName == "" || f.anchor == 0 {
		return 0
	}
	return f.klaxon / f.anchor
}

// add records a figure and prints it at once.
func (b *bench) add(f figure) {
	b.figures = append(b.figures, f)
	b.printf("%s\n", f.line())
}

func (f *figure) line() string {
	s := fmt.Sprintf("== %s: Klaxon %s %s", f.what, num(f.klaxon), f.unit)
	if f.anchorName != "" {
		s += fmt.Sprintf(", %s %s %s, ratio %sx", f.anchorName, num(f.anchor), f.unit, num(f.ratio()))
	}
	if f.target != "" {
		s += fmt.Sprintf("; target %s: %s", f.target, metWord(f.target, f.met))
	}
	if f.note != "" {
		s += " (" + f.note + ")"
	}
	return s
}

// summary prints the figures as rows of bench/README.md's results table.
func (b *bench) summary() {
	if len(b.figures) == 0 {
		return
	}
	b.printf("\n| figure | Klaxon | anchor | ratio | target | met | command |\n|---|---|---|---|---|---|---|\n")
	for _, f := range b.figures {
		anchor, ratio := "none (absolute)", "-"
		if f.anchorName != "" {
			anchor = fmt.Sprintf("%s %s %s", f.anchorName, num(f.anchor), f.unit)
			ratio = num(f.ratio()) + "x"
		}
		value := num(f.klaxon) + " " + f.unit
		if f.note != "" {
			value += " (" + f.note + ")"
		}
		b.printf("| %s | %s | %s | %s | %s | %s | `%s` |\n", f.what, value, anchor, ratio, cmp.Or(f.target, "-"), metWord(f.target, f.met), b.command)
	}
}

func metWord(target string, met bool) string {
	if target == "" {
		return "-"
	}
	if met {
		return "met"
	}
	return "NOT met"
}

// num prints a figure with as many digits as it deserves.
func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// median of values; 0 for none.
func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(values))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
