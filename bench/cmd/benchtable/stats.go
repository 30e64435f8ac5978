package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// sample is a set of measurements of one figure, in run order.
type sample []float64

func (s sample) sorted() []float64 {
	c := slices.Clone([]float64(s))
	slices.Sort(c)
	return c
}

// median is the middle value (the mean of the two middle ones for an even
// count): robust against the odd run slowed by another process on a shared
// machine, which a mean is not.
func (s sample) median() float64 {
	c := s.sorted()
	switch n := len(c); {
	case n == 0:
		return 0
	case n%2 == 1:
		return c[n/2]
	default:
		return (c[n/2-1] + c[n/2]) / 2
	}
}

func (s sample) min() float64 {
	if len(s) == 0 {
		return 0
	}
	return slices.Min(s)
}

func (s sample) max() float64 {
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

func seconds(d time.Duration) float64 { return d.Seconds() }

// fmtDur prints seconds with a unit chosen for readability at the size
// the figure has (µs for vault operations, s for whole batches).
func fmtDur(sec float64) string {
	switch {
	case sec < 0.001:
		return fmt.Sprintf("%.0f µs", sec*1e6)
	case sec < 0.01:
		return fmt.Sprintf("%.2f ms", sec*1e3)
	case sec < 1:
		return fmt.Sprintf("%.1f ms", sec*1e3)
	default:
		return fmt.Sprintf("%.2f s", sec)
	}
}

// fmtMB prints bytes as decimal megabytes.
func fmtMB(bytes float64) string { return fmt.Sprintf("%.1f MB", bytes/1e6) }

// fmtRatio prints a ratio the way the targets are written (1.25×).
func fmtRatio(r float64) string { return fmt.Sprintf("%.2f×", r) }

// spread describes a sample for the notes: count and min–max.
func spread(s sample, format func(float64) string) string {
	return fmt.Sprintf("n=%d, min %s, max %s", len(s), format(s.min()), format(s.max()))
}

// mask shows a secret the way the project does everywhere (first 4 …
// last 4), so an error that echoes a child's stderr never leaks a token.
func mask(v string) string {
	if len(v) <= 8 {
		return "…"
	}
	return v[:4] + "…" + v[len(v)-4:]
}

// scrubber replaces every secret this run made with its masked form.
type scrubber struct{ secrets []string }

func (s *scrubber) add(v string) { s.secrets = append(s.secrets, v) }

func (s *scrubber) scrub(text string) string {
	for _, v := range s.secrets {
		if v != "" {
			text = strings.ReplaceAll(text, v, mask(v))
		}
	}
	return text
}
