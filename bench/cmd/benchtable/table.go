package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Results in the table's last column.
const (
	resultPass  = "PASS"
	resultMiss  = "MISS"
	resultInfo  = "info"  // measured, no target to meet
	resultError = "ERROR" // could not be measured; the note says why
)

// row is one line of the table. Every figure is printed as an absolute
// number; ratio is cxtokens over its reference, or over the target when the
// target is absolute (there is no reference program for a vault operation).
type row struct {
	id     string
	figure string
	value  string
	ref    string
	ratio  string
	target string
	result string
	notes  []string
}

// relRow compares cxtokens with a reference measured in the same run;
// the target is a ratio.
func relRow(id, figure string, cx, ref float64, refName string, format func(float64) string, maxRatio float64) row {
	r := row{id: id, figure: figure, value: format(cx), ref: format(ref) + " " + refName,
		target: fmt.Sprintf("≤ %.2f×", maxRatio)}
	if ref <= 0 {
		r.ratio, r.result = "—", resultError
		r.notes = append(r.notes, "the reference measured zero, so no ratio")
		return r
	}
	ratio := cx / ref
	r.ratio = fmtRatio(ratio)
	r.result = verdict(ratio <= maxRatio)
	return r
}

// absRow checks a figure against an absolute limit.
func absRow(id, figure string, cx, limit float64, format func(float64) string) row {
	return row{id: id, figure: figure, value: format(cx), ref: "—",
		ratio: fmtRatio(cx/limit) + " of target", target: "≤ " + format(limit), result: verdict(cx <= limit)}
}

// infoRow is a figure with no target.
func infoRow(id, figure, value, ref, ratio string) row {
	return row{id: id, figure: figure, value: value, ref: ref, ratio: ratio, target: "—", result: resultInfo}
}

// errRow stands in for a figure that could not be measured; err must
// already be scrubbed of secrets.
func errRow(id, figure string, err error) row {
	return row{id: id, figure: figure, value: "—", ref: "—", ratio: "—", target: "—", result: resultError,
		notes: []string{"not measured: " + err.Error()}}
}

func verdict(ok bool) string {
	if ok {
		return resultPass
	}
	return resultMiss
}

// note adds a line printed under the table, keyed by the row's id.
func (r row) note(format string, args ...any) row {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
	return r
}

// printTable writes the rows as a Markdown table with padded columns, so
// it reads the same in a terminal and pasted into the README, followed by
// the per-row notes.
func printTable(w io.Writer, header string, rows []row) {
	cells := [][]string{{"#", "figure", "cxtokens", "reference (same run)", "ratio", "target", "result"}}
	for _, r := range rows {
		cells = append(cells, []string{r.id, r.figure, r.value, r.ref, r.ratio, r.target, r.result})
	}
	width := make([]int, len(cells[0]))
	for _, line := range cells {
		for i, c := range line {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w)
	for n, line := range cells {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range line {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " |")
		}
		fmt.Fprintln(w, b.String())
		if n == 0 {
			b.Reset()
			b.WriteString("|")
			for i := range line {
				b.WriteString(strings.Repeat("-", width[i]+2) + "|")
			}
			fmt.Fprintln(w, b.String())
		}
	}
	var notes []string
	for _, r := range rows {
		for _, n := range r.notes {
			notes = append(notes, fmt.Sprintf("- [%s] %s", r.id, n))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
}
