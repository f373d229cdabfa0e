package fakehttp

import (
	"encoding/json"
	"net/http"
)

// WriteJSON answers with status and v encoded as JSON, indented and not to
// be cached, as Google's endpoints answer.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
