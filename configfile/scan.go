package configfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"
)

// maxDepth is encoding/json's nesting limit: docker cannot read deeper files.
const maxDepth = 10000

// member is one "key": value pair of an object, as byte offsets into the file.
type member struct {
	keyStart, keyEnd int // the key's quotes included
	valStart, valEnd int
	key              []byte // decoded; a slice of the file when it has no escapes
}

// doc is what an edit needs to know about config.json: where the top-level
// object and its members are and, in detail, the credHelpers object.
type doc struct {
	data        []byte
	open, close int // the top-level braces
	members     []member
	helpers     int // index in members of credHelpers, or -1

	// When members[helpers] holds an object (not null):
	hOpen, hClose int            // its braces
	entries       []member       // its members
	sorted        bool           // entries' keys are strictly ascending
	index         map[string]int // key -> entry, when not sorted
}

// lookup finds the entry for host: a binary search when the entries are
// sorted (the common case, and no map to build), else the index.
func (d *doc) lookup(host string) (int, bool) {
	if !d.sorted {
		i, ok := d.index[host]
		return i, ok
	}
	i := sort.Search(len(d.entries), func(i int) bool { return string(d.entries[i].key) >= host })
	return i, i < len(d.entries) && string(d.entries[i].key) == host
}

// value decodes entry i's helper name (null reads as "", as for docker).
func (d *doc) value(i int) string {
	e := d.entries[i]
	if d.data[e.valStart] == 'n' {
		return ""
	}
	return string(decodeString(d.data[e.valStart:e.valEnd]))
}

// parseError is a problem at a place in config.json. Its message names the
// line and column and tells the user what to do.
type parseError struct {
	line, col int
	msg       string
	next      string
}

func (e *parseError) Error() string {
	return fmt.Sprintf("config.json line %d, column %d: %s; %s", e.line, e.col, e.msg, e.next)
}

const fixIt = "fix the file or move it aside"

// errorAt builds a parseError for byte offset off of data.
func errorAt(data []byte, off int, next, format string, args ...any) error {
	off = min(max(off, 0), len(data))
	line := 1 + bytes.Count(data[:off], []byte{'\n'})
	col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:off], '\n')+1:off])
	return &parseError{line: line, col: col, msg: fmt.Sprintf(format, args...), next: next}
}

// syntaxError reports data's first syntax error in encoding/json's words (the
// words docker prints), placed at the offending character. off is where our
// own scanner stopped; it is used when encoding/json disagrees.
func syntaxError(data []byte, off int, msg string) error {
	err := json.Unmarshal(data, &struct{}{})
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if msg := se.Error(); msg != "unexpected end of JSON input" {
			off-- // Offset counts the offending byte
		}
		return errorAt(data, off, fixIt, "%s", se.Error())
	}
	return errorAt(data, off, fixIt, "%s", msg)
}

// blank reports whether data holds only JSON whitespace.
func blank(data []byte) bool {
	for _, c := range data {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// parse scans data in one pass. It accepts exactly what encoding/json
// accepts, then requires what docker requires of config.json: a top-level
// object, a credHelpers that is an object (or null) of strings. Any key that
// encoding/json would decode into docker's credHelpers field (it matches
// case-insensitively) counts as credHelpers; there may be only one, and its
// keys must be unique, or an edit could not say which entry it changed.
func parse(data []byte) (*doc, error) {
	s := &scanner{data: data}
	d := &doc{data: data, helpers: -1}
	s.ws()
	if s.pos >= len(data) {
		return nil, s.fail("looking for beginning of value")
	}
	d.open = s.pos
	if data[s.pos] != '{' {
		start := s.pos
		if err := s.value(0); err != nil {
			return nil, err
		}
		return nil, errorAt(data, start, fixIt, "the top-level value is %s, docker needs an object", kind(data[start]))
	}
	if err := s.object(1, func(m member) error {
		d.members = append(d.members, m)
		return nil
	}, true); err != nil {
		return nil, err
	}
	d.close = s.pos - 1
	s.ws()
	if s.pos < len(data) {
		return nil, syntaxError(data, s.pos, fmt.Sprintf("invalid character %s after top-level value", quoteChar(data[s.pos])))
	}

	for i, m := range d.members {
		if !bytes.EqualFold(m.key, []byte("credHelpers")) {
			continue
		}
		if d.helpers >= 0 {
			first := d.members[d.helpers]
			return nil, errorAt(data, m.keyStart, "keep one of them and retry",
				"credHelpers appears twice (also as %s at line %d); docker merges them",
				data[first.keyStart:first.keyEnd], lineOf(data, first.keyStart))
		}
		d.helpers = i
	}
	if d.helpers < 0 {
		return d, nil
	}
	m := d.members[d.helpers]
	switch c := data[m.valStart]; c {
	case 'n':
		return d, nil
	case '{':
	default:
		return nil, errorAt(data, m.valStart, fixIt, "credHelpers is %s, docker needs an object", kind(c))
	}
	d.hOpen = m.valStart
	d.hClose = m.valEnd - 1
	hs := &scanner{data: data, pos: m.valStart}
	err := hs.object(2, func(e member) error {
		if c := data[e.valStart]; c != '"' && c != 'n' { // docker reads null as ""
			return errorAt(data, e.valStart, fixIt,
				"credHelpers %s is %s, docker needs a string (a helper name)", data[e.keyStart:e.keyEnd], kind(c))
		}
		d.entries = append(d.entries, e)
		return nil
	}, true)
	if err != nil {
		return nil, err
	}
	d.sorted = true
	for i := 1; i < len(d.entries) && d.sorted; i++ {
		d.sorted = bytes.Compare(d.entries[i-1].key, d.entries[i].key) < 0
	}
	if d.sorted {
		return d, nil // strictly ascending: no duplicates
	}
	d.index = make(map[string]int, len(d.entries))
	for i, e := range d.entries {
		if prev, dup := d.index[string(e.key)]; dup {
			return nil, errorAt(data, e.keyStart, "remove one of them and retry",
				"credHelpers has %s twice (also at line %d); docker uses the last one",
				data[e.keyStart:e.keyEnd], lineOf(data, d.entries[prev].keyStart))
		}
		d.index[string(e.key)] = i
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

func lineOf(data []byte, off int) int { return 1 + bytes.Count(data[:off], []byte{'\n'}) }

func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	return fmt.Sprintf("%q", rune(c))
}

// decodeString decodes a raw JSON string, quotes included, exactly as
// encoding/json does (invalid UTF-8 becomes U+FFFD). A string without
// escapes is returned in place, without a copy.
func decodeString(raw []byte) []byte {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return inner
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return inner // unreachable: the scanner validated raw
	}
	return []byte(s)
}

// scanner validates JSON the way encoding/json's scanner does.
type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) ws() {
	for s.pos < len(s.data) && isSpace(s.data[s.pos]) {
		s.pos++
	}
}

func (s *scanner) fail(context string) error {
	if s.pos >= len(s.data) {
		return syntaxError(s.data, s.pos, "unexpected end of JSON input")
	}
	return syntaxError(s.data, s.pos, fmt.Sprintf("invalid character %s %s", quoteChar(s.data[s.pos]), context))
}

// value skips one JSON value starting at s.pos (no leading whitespace).
func (s *scanner) value(depth int) error {
	if s.pos >= len(s.data) {
		return s.fail("looking for beginning of value")
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object(depth+1, nil, false)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		return s.str()
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.fail("looking for beginning of value")
	}
}

// object scans an object at s.pos. When decode is set, keys are decoded and
// each member goes to fn.
func (s *scanner) object(depth int, fn func(member) error, decode bool) error {
	if depth > maxDepth {
		return syntaxError(s.data, s.pos, "exceeded max depth")
	}
	s.pos++ // {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return nil
	}
	for {
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return s.fail("looking for beginning of object key string")
		}
		var m member
		m.keyStart = s.pos
		if err := s.str(); err != nil {
			return err
		}
		m.keyEnd = s.pos
		s.ws()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return s.fail("after object key")
		}
		s.pos++
		s.ws()
		m.valStart = s.pos
		if err := s.value(depth); err != nil {
			return err
		}
		m.valEnd = s.pos
		if fn != nil {
			if decode {
				m.key = decodeString(s.data[m.keyStart:m.keyEnd])
			}
			if err := fn(m); err != nil {
				return err
			}
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.fail("")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.ws()
		case '}':
			s.pos++
			return nil
		default:
			return s.fail("after object key:value pair")
		}
	}
}

func (s *scanner) array(depth int) error {
	if depth > maxDepth {
		return syntaxError(s.data, s.pos, "exceeded max depth")
	}
	s.pos++ // [
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return nil
	}
	for {
		if err := s.value(depth); err != nil {
			return err
		}
		s.ws()
		if s.pos >= len(s.data) {
			return s.fail("")
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.ws()
		case ']':
			s.pos++
			return nil
		default:
			return s.fail("after array element")
		}
	}
}

func (s *scanner) str() error {
	s.pos++ // "
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			s.pos++
			return nil
		case c == '\\':
			s.pos++
			if s.pos >= len(s.data) {
				return s.fail("")
			}
			switch s.data[s.pos] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos++
			case 'u':
				s.pos++
				for range 4 {
					if s.pos >= len(s.data) || !isHex(s.data[s.pos]) {
						return s.fail("in \\u hexadecimal character escape")
					}
					s.pos++
				}
			default:
				return s.fail("in string escape code")
			}
		case c < 0x20:
			return s.fail("in string literal")
		default:
			s.pos++
		}
	}
	return s.fail("")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (s *scanner) digits() {
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
}

func (s *scanner) number() error {
	if s.data[s.pos] == '-' {
		s.pos++
		if s.pos >= len(s.data) || !isDigit(s.data[s.pos]) {
			return s.fail("in numeric literal")
		}
	}
	if s.data[s.pos] == '0' {
		s.pos++
	} else {
		s.digits()
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if s.pos >= len(s.data) || !isDigit(s.data[s.pos]) {
			return s.fail("after decimal point in numeric literal")
		}
		s.digits()
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if s.pos >= len(s.data) || !isDigit(s.data[s.pos]) {
			return s.fail("in exponent of numeric literal")
		}
		s.digits()
	}
	return nil
}

func (s *scanner) literal(word string) error {
	for i := range len(word) {
		if s.pos >= len(s.data) || s.data[s.pos] != word[i] {
			return s.fail(fmt.Sprintf("in literal %s (expecting %s)", word, quoteChar(word[i])))
		}
		s.pos++
	}
	return nil
}
