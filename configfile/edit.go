package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// Action says what an edit did to one host's credHelpers entry.
type Action int

const (
	Added     Action = iota // no entry: one was added
	Unchanged               // the entry already named our helper
	KeptOther               // the entry names another helper and was kept (no overwrite)
	Replaced                // the entry named another helper and was overwritten
	Removed                 // the entry named our helper and was removed
	NotOurs                 // remove asked, but the entry names another helper: kept
	Absent                  // remove asked, but there is no entry
)

func (a Action) String() string {
	switch a {
	case Added:
		return "added"
	case Unchanged:
		return "unchanged"
	case KeptOther:
		return "kept other helper"
	case Replaced:
		return "replaced"
	case Removed:
		return "removed"
	case NotOurs:
		return "not ours"
	case Absent:
		return "absent"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Result is what happened to one host. Previous is the other helper's name
// for KeptOther, Replaced and NotOurs.
type Result struct {
	Host     string
	Action   Action
	Previous string
}

// SetCredHelpers maps each host to helper in credHelpers and returns the new
// file. Hosts arrive normalised and validated; repeated hosts count once.
// An entry that already names helper is Unchanged; one that names another
// helper is KeptOther, or Replaced when overwrite is set.
//
// Only credHelpers changes: every other byte stays. New entries follow the
// file's style (indentation, separators, line endings) and order (a sorted
// insert when the entries are sorted, else appended); a missing credHelpers
// becomes the last top-level member; an empty or blank input becomes what the
// docker CLI writes for a new file. When nothing changes the input is
// returned as is.
func SetCredHelpers(data []byte, hosts []string, helper string, overwrite bool) ([]byte, []Result, error) {
	hosts, err := checkArgs(hosts, helper)
	if err != nil {
		return nil, nil, err
	}
	if blank(data) {
		if len(hosts) == 0 {
			return data, nil, nil
		}
		results := make([]Result, len(hosts))
		for i, h := range hosts {
			results[i] = Result{Host: h, Action: Added}
		}
		return newFile("\n", hosts, helper), results, nil
	}
	d, err := parse(data)
	if err != nil {
		return nil, nil, err
	}
	results := make([]Result, len(hosts))
	var adds []string
	var edits []edit
	quotedHelper := quote(helper)
	for i, h := range hosts {
		results[i].Host = h
		j, ok := d.lookup(h)
		if !ok {
			results[i].Action = Added
			adds = append(adds, h)
			continue
		}
		switch v := d.value(j); {
		case v == helper:
			results[i].Action = Unchanged
		case overwrite:
			results[i] = Result{Host: h, Action: Replaced, Previous: v}
			e := d.entries[j]
			edits = append(edits, edit{e.valStart, e.valEnd, quotedHelper})
		default:
			results[i] = Result{Host: h, Action: KeptOther, Previous: v}
		}
	}
	if len(adds) > 0 {
		edits = append(edits, d.insert(adds, helper)...)
	}
	return apply(data, edits), results, nil
}

// RemoveCredHelpers removes the credHelpers entries of hosts that name helper
// and keeps those that name another helper (NotOurs). Removing the last entry
// leaves "credHelpers": {}. When nothing changes the input is returned as is.
func RemoveCredHelpers(data []byte, hosts []string, helper string) ([]byte, []Result, error) {
	hosts, err := checkArgs(hosts, helper)
	if err != nil {
		return nil, nil, err
	}
	results := make([]Result, len(hosts))
	for i, h := range hosts {
		results[i] = Result{Host: h, Action: Absent}
	}
	if blank(data) {
		return data, results, nil
	}
	d, err := parse(data)
	if err != nil {
		return nil, nil, err
	}
	remove := make(map[int]bool)
	for i, h := range hosts {
		j, ok := d.lookup(h)
		if !ok {
			continue
		}
		if v := d.value(j); v != helper {
			results[i] = Result{Host: h, Action: NotOurs, Previous: v}
			continue
		}
		results[i].Action = Removed
		remove[j] = true
	}
	n := len(remove)
	if n == 0 {
		return data, results, nil
	}
	if n == len(d.entries) {
		return apply(data, []edit{{d.hOpen, d.hClose + 1, []byte("{}")}}), results, nil
	}
	last := len(d.entries) - 1 // the last kept entry
	for remove[last] {
		last--
	}
	var edits []edit
	for j := range remove {
		e := d.entries[j]
		if j < last { // up to the next entry's key: "A,\n\t\tB" -> "B"
			edits = append(edits, edit{e.keyStart, d.entries[j+1].keyStart, nil})
		} else { // after the last kept entry: "K,\n\t\tA\n\t}" -> "K\n\t}"
			edits = append(edits, edit{d.entries[j-1].valEnd, e.valEnd, nil})
		}
	}
	return apply(data, edits), results, nil
}

func checkArgs(hosts []string, helper string) ([]string, error) {
	if helper == "" || !utf8.ValidString(helper) {
		return nil, fmt.Errorf("edit credHelpers: invalid helper name %q", helper)
	}
	seen := make(map[string]bool, len(hosts))
	unique := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if h == "" || !utf8.ValidString(h) {
			return nil, errors.New("edit credHelpers: empty or invalid host name; name each registry host, like gcr.io")
		}
		if !seen[h] {
			seen[h] = true
			unique = append(unique, h)
		}
	}
	return unique, nil
}

// An edit replaces data[start:end] with text.
type edit struct {
	start, end int
	text       []byte
}

// apply makes the edits (disjoint ranges) in one pass. No edits: data itself.
func apply(data []byte, edits []edit) []byte {
	if len(edits) == 0 {
		return data
	}
	slices.SortStableFunc(edits, func(a, b edit) int { return a.start - b.start })
	size := len(data)
	for _, e := range edits {
		size += len(e.text) - (e.end - e.start)
	}
	out := make([]byte, 0, size)
	at := 0
	for _, e := range edits {
		out = append(out, data[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, data[at:]...)
}

// quote writes s as a JSON string (no HTML escaping: "&" stays "&").
func quote(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a valid UTF-8 string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'})
}

// newFile is what the docker CLI 28 writes for a new config.json: tab
// indentation, "key": value, sorted keys, no newline after the closing brace.
func newFile(nl string, hosts []string, helper string) []byte {
	st := style{nl: nl, unit: "\t", colon: ": "}
	b := []byte("{" + nl + "\t\"credHelpers\": ")
	b = st.object(b, "\t", sortedCopy(hosts), helper)
	return append(b, nl+"}"...)
}

// style is how a file lays out its JSON.
type style struct {
	nl      string // "\n" or "\r\n"
	unit    string // one level of indentation: "\t", "  ", "    ", ...
	colon   string // between a key and its value: ": " or ":"
	comma   string // between members on one line: ", " or ","
	compact bool   // the file is on one line
}

// style detects d's layout from its top-level object.
func (d *doc) style() style {
	data := d.data
	st := style{nl: "\n", unit: "\t", colon: ": ", comma: ", "}
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		st.nl = "\r\n"
	}
	if len(d.members) == 0 {
		st.compact = bytes.IndexByte(data[d.open:d.close], '\n') < 0
		if st.compact {
			st.comma = ","
			st.colon = ":"
		}
		return st
	}
	first := d.members[0]
	if c := data[first.keyEnd:first.valStart]; bytes.IndexByte(c, '\n') < 0 {
		st.colon = string(c)
	}
	st.compact = bytes.IndexByte(data[d.open:first.keyStart], '\n') < 0
	if st.compact {
		st.comma = ","
		if strings.HasSuffix(st.colon, " ") {
			st.comma = ", "
		}
		if len(d.members) > 1 {
			if sep := data[first.valEnd:d.members[1].keyStart]; bytes.IndexByte(sep, '\n') < 0 {
				st.comma = string(sep)
			}
		}
		return st
	}
	st.unit = strings.TrimPrefix(indentOf(data, first.keyStart), indentOf(data, d.open))
	return st
}

// indentOf returns the leading blanks of the line holding data[off].
func indentOf(data []byte, off int) string {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	end := start
	for end < off && (data[end] == ' ' || data[end] == '\t') {
		end++
	}
	return string(data[start:end])
}

// entry appends "host": "helper".
func (st style) entry(b []byte, host, helper string) []byte {
	b = append(b, quote(host)...)
	b = append(b, st.colon...)
	return append(b, quote(helper)...)
}

// object appends a credHelpers object holding hosts, whose closing brace
// sits at indent.
func (st style) object(b []byte, indent string, hosts []string, helper string) []byte {
	b = append(b, '{')
	for i, h := range hosts {
		switch {
		case st.compact && i > 0:
			b = append(b, st.comma...)
		case !st.compact:
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, st.nl...)
			b = append(b, indent...)
			b = append(b, st.unit...)
		}
		b = st.entry(b, h, helper)
	}
	if !st.compact {
		b = append(b, st.nl...)
		b = append(b, indent...)
	}
	return append(b, '}')
}

// insert returns the edits that add hosts (not yet present) to credHelpers.
func (d *doc) insert(hosts []string, helper string) []edit {
	data := d.data
	st := d.style()
	switch {
	case len(d.members) == 0:
		// "{}": no style to follow, so write what docker writes.
		return []edit{{d.open, d.close + 1, newFile(st.nl, hosts, helper)}}

	case d.helpers < 0:
		// A new last member.
		last := d.members[len(d.members)-1]
		var sep string
		switch {
		case len(d.members) > 1:
			sep = string(data[d.members[len(d.members)-2].valEnd:last.keyStart])
		case st.compact:
			sep = st.comma
		default:
			sep = "," + st.nl + indentOf(data, last.keyStart)
		}
		hosts = sortedCopy(hosts)
		b := []byte(sep + `"credHelpers"` + st.colon)
		b = st.object(b, indentOf(data, last.keyStart), hosts, helper)
		return []edit{{last.valEnd, last.valEnd, b}}

	case len(d.entries) == 0:
		// "credHelpers": {} or null.
		m := d.members[d.helpers]
		b := st.object(nil, indentOf(data, m.keyStart), sortedCopy(hosts), helper)
		return []edit{{m.valStart, m.valEnd, b}}
	}

	// Entries exist: follow their layout, and their order when sorted.
	n := len(d.entries)
	e0 := d.entries[0]
	if c := data[e0.keyEnd:e0.valStart]; bytes.IndexByte(c, '\n') < 0 {
		st.colon = string(c)
	}
	// sep(k) is the separator to write next to a new entry at position k.
	sep := func(k int) []byte {
		switch {
		case k > 0 && k < n:
			return data[d.entries[k-1].valEnd:d.entries[k].keyStart]
		case n > 1 && k == 0:
			return data[e0.valEnd:d.entries[1].keyStart]
		case n > 1:
			return data[d.entries[n-2].valEnd:d.entries[n-1].keyStart]
		case bytes.IndexByte(data[d.hOpen:e0.keyStart], '\n') >= 0:
			return []byte("," + st.nl + indentOf(data, e0.keyStart))
		case strings.HasSuffix(st.colon, " "):
			return []byte(", ")
		default:
			return []byte(",")
		}
	}
	if !d.sorted {
		var b []byte
		s := sep(n)
		for _, h := range hosts {
			b = append(b, s...)
			b = st.entry(b, h, helper)
		}
		end := d.entries[n-1].valEnd
		return []edit{{end, end, b}}
	}
	hosts = sortedCopy(hosts)
	var edits []edit
	for i := 0; i < len(hosts); {
		k := sort.Search(n, func(j int) bool { return string(d.entries[j].key) > hosts[i] })
		j := i + 1
		for j < len(hosts) && (k == n || hosts[j] < string(d.entries[k].key)) {
			j++
		}
		s := sep(k)
		var b []byte
		if k == 0 { // before the first entry: "NEW, A"
			for _, h := range hosts[i:j] {
				b = st.entry(b, h, helper)
				b = append(b, s...)
			}
			edits = append(edits, edit{e0.keyStart, e0.keyStart, b})
		} else { // after entry k-1: "A, NEW"
			for _, h := range hosts[i:j] {
				b = append(b, s...)
				b = st.entry(b, h, helper)
			}
			end := d.entries[k-1].valEnd
			edits = append(edits, edit{end, end, b})
		}
		i = j
	}
	return edits
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
