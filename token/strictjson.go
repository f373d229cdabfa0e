package token

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// MaxJSONDepth bounds how deep StrictJSON follows nested objects and
// arrays: credential files, JWT claims and kubelet requests nest a few
// levels.
const MaxJSONDepth = 64

// DuplicateNameError is an object that names a member twice.
type DuplicateNameError struct {
	Name string // as written (shown truncated)
	Path string // where: "source_credentials.token_url", "kubernetes.io.namespace"
}

func (e *DuplicateNameError) Error() string {
	return fmt.Sprintf("duplicate key %q at %s: it appears twice", truncate(e.Name, 60), truncate(e.Path, 120))
}

// StrictJSON checks that data is exactly one JSON value in which no object
// names a member twice, at any depth (up to MaxJSONDepth). Two readers of
// such a document could disagree on which copy counts: encoding/json keeps
// the last copy of a string and merges the copies of an object, another
// decoder keeps the first, so a check and the code after it would see two
// different documents (a credential file, a subject token's claims, the
// kubelet's request). With fold, names that encoding/json matches to the
// same struct field (equal after its case folding) are the same name. A
// duplicate is a *DuplicateNameError; no error shows a value.
func StrictJSON(data []byte, fold bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := strictValue(dec, fold, "", 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

var errInvalidJSON = errors.New("invalid JSON")

// strictValue reads one value from dec, inside depth objects and arrays,
// checking every object in it.
func strictValue(dec *json.Decoder, fold bool, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return errInvalidJSON
	}
	if d, ok := tok.(json.Delim); ok && (d == '{' || d == '[') && depth >= MaxJSONDepth {
		return fmt.Errorf("JSON nested deeper than %d levels", MaxJSONDepth)
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return errInvalidJSON
			}
			name, _ := k.(string)
			at := name
			if path != "" {
				at = path + "." + name
			}
			same := name
			if fold {
				same = foldKey(name)
			}
			if seen[same] {
				return &DuplicateNameError{Name: name, Path: at}
			}
			seen[same] = true
			if err := strictValue(dec, fold, at, depth+1); err != nil {
				return err
			}
		}
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := strictValue(dec, fold, path+"["+strconv.Itoa(i)+"]", depth+1); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return errInvalidJSON
	}
	return nil
}

// foldKey folds a JSON name as encoding/json does to match a struct field
// case-insensitively (its foldName): two names with the same fold land in
// the same field.
func foldKey(k string) string {
	b := make([]byte, 0, len(k))
	for i := 0; i < len(k); {
		if c := k[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(k[i:])
		b = utf8.AppendRune(b, unicode.ToUpper(unicode.ToLower(r)))
		i += n
	}
	return string(b)
}
