package diff

import (
	"bytes"
	"fmt"
	"strings"
)

// Unified returns a unified diff of before and after (headers naming path, @@
// hunks with 3 lines of context), or "" when they are equal. A last line
// without a newline gets diff's "\ No newline at end of file" marker.
func Unified(path string, before, after []byte) string {
	if bytes.Equal(before, after) {
		return ""
	}
	a, b := splitLines(before), splitLines(after)
	ops := diffLines(a, b)

	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", path, path)
	const context = 3
	for i := 0; i < len(ops); {
		// Find the next change and the extent of its hunk.
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-context, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		writeHunk(&out, ops[start:end])
		i = end
	}
	return out.String()
}

type op struct {
	kind       byte // ' ', '-', '+'
	line       string
	aLine, bLn int // 1-based line numbers in before and after
}

func writeHunk(out *strings.Builder, ops []op) {
	var aStart, aCount, bStart, bCount int
	for _, o := range ops {
		if o.kind != '+' {
			if aCount == 0 {
				aStart = o.aLine
			}
			aCount++
		}
		if o.kind != '-' {
			if bCount == 0 {
				bStart = o.bLn
			}
			bCount++
		}
	}
	if aCount == 0 { // GNU diff: an empty range names the line before it
		aStart = ops[0].aLine - 1
	}
	if bCount == 0 {
		bStart = ops[0].bLn - 1
	}
	fmt.Fprintf(out, "@@ -%s +%s @@\n", hunkRange(aStart, aCount), hunkRange(bStart, bCount))
	for _, o := range ops {
		out.WriteByte(o.kind)
		out.WriteString(o.line)
		if !strings.HasSuffix(o.line, "\n") {
			out.WriteString("\n\\ No newline at end of file\n")
		}
	}
}

func hunkRange(start, count int) string {
	if count == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, count)
}

// splitLines splits data after each '\n', keeping the newlines.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n') + 1
		if i == 0 {
			i = len(data)
		}
		lines = append(lines, string(data[:i]))
		data = data[i:]
	}
	return lines
}

// maxDiffCost bounds the Myers search; past it the changed middle is shown as
// all removed and all added, which is still a correct diff.
const maxDiffCost = 1 << 22

// diffLines returns the edit script from a to b: common prefix and suffix
// first, then Myers' O(ND) algorithm on the middle.
func diffLines(a, b []string) []op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []op
	ai, bi := 1, 1
	emit := func(kind byte, line string) {
		ops = append(ops, op{kind: kind, line: line, aLine: ai, bLn: bi})
		if kind != '+' {
			ai++
		}
		if kind != '-' {
			bi++
		}
	}
	for _, l := range a[:pre] {
		emit(' ', l)
	}
	for _, k := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		emit(k.kind, k.line)
	}
	for _, l := range a[len(a)-suf:] {
		emit(' ', l)
	}
	return ops
}

type step struct {
	kind byte
	line string
}

func myers(a, b []string) []step {
	n, m := len(a), len(b)
	max := n + m
	if max == 0 {
		return nil
	}
	offset := max
	v := make([]int, 2*max+2)
	var trace [][]int
	cost := 0
	found := false
	for d := 0; d <= max && !found; d++ {
		trace = append(trace, append([]int(nil), v...))
		cost += len(v)
		if cost > maxDiffCost {
			return replaceAll(a, b)
		}
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[offset+k-1] < v[offset+k+1] {
				x = v[offset+k+1]
			} else {
				x = v[offset+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[offset+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Walk back through the saved frontiers.
	var rev []step
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd := trace[d]
		k := x - y
		var pk int
		if k == -d || k != d && vd[offset+k-1] < vd[offset+k+1] {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vd[offset+pk]
		py := px - pk
		for x > px && y > py {
			x--
			y--
			rev = append(rev, step{' ', a[x]})
		}
		if d > 0 {
			if x == px {
				y--
				rev = append(rev, step{'+', b[y]})
			} else {
				x--
				rev = append(rev, step{'-', a[x]})
			}
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

func replaceAll(a, b []string) []step {
	s := make([]step, 0, len(a)+len(b))
	for _, l := range a {
		s = append(s, step{'-', l})
	}
	for _, l := range b {
		s = append(s, step{'+', l})
	}
	return s
}
