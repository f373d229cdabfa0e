package kubelet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

// decodeRequest decodes a CredentialProviderRequest as strictly as the
// kubelet's own decoder reads JSON (sigs.k8s.io/json): one object, no name
// twice at any depth (token.StrictJSON: two readers could disagree on which
// counts: the token, an annotation), names matched with their case (encoding/json
// would take "ServiceAccountToken" for serviceAccountToken), every field of
// its type. A field this plugin does not know is ignored, not refused: a
// newer kubelet may send one, and refusing it would fail every pull.
func decodeRequest(data []byte, req *request) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return errors.New("it is not a JSON object")
	}
	if err := token.StrictJSON(data, false); err != nil {
		return err
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
