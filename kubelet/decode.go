package kubelet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// decodeRequest decodes a CredentialProviderRequest as strictly as the
// kubelet's own decoder reads JSON (sigs.k8s.io/json): one object, no name
// twice at any depth (two readers could disagree on which counts: the
// token, an annotation), names matched with their case (encoding/json
// would take "ServiceAccountToken" for serviceAccountToken), every field of
// its type. A field this plugin does not know is ignored, not refused: a
// newer kubelet may send one, and refusing it would fail every pull.
func decodeRequest(data []byte, req *request) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errors.New("it is not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := noDuplicateNames(dec, 0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the object")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	known := []struct {
		name string
		to   any
	}{
		{"apiVersion", &req.APIVersion},
		{"kind", &req.Kind},
		{"image", &req.Image},
		{"serviceAccountToken", &req.ServiceAccountToken},
		{"serviceAccountAnnotations", &req.ServiceAccountAnnotations},
	}
	for name, raw := range fields {
		for _, k := range known {
			if name != k.name {
				if strings.EqualFold(name, k.name) {
					return fmt.Errorf("field %q is spelled %s", truncate(name, 40), k.name)
				}
				continue
			}
			if string(raw) == "null" {
				break
			}
			if err := json.Unmarshal(raw, k.to); err != nil {
				return fmt.Errorf("field %s is not of its type (%s)", k.name, typeOf(k.to))
			}
		}
	}
	return nil
}

func typeOf(v any) string {
	if _, ok := v.(*string); ok {
		return "a string"
	}
	return "an object of strings"
}

// maxDepth bounds the nesting noDuplicateNames follows.
const maxDepth = 32

// noDuplicateNames reads one JSON value from dec and fails on an object
// with a name twice.
func noDuplicateNames(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return errors.New("it nests too deep")
	}
	t, err := dec.Token()
	if err != nil {
		return errors.New("it is not valid JSON")
	}
	d, ok := t.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return errors.New("it is not valid JSON")
			}
			name, _ := k.(string)
			if seen[name] {
				return fmt.Errorf("name %q appears twice", truncate(name, 40))
			}
			seen[name] = true
			if err := noDuplicateNames(dec, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := noDuplicateNames(dec, depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return errors.New("it is not valid JSON")
	}
	return nil
}
