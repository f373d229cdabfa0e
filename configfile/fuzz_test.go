package configfile

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// The seed corpus is testdata/fuzz/Fuzz*/ (realistic files: docker's,
// Docker Desktop's, gcloud's, indented, compact, CRLF, malformed) plus the
// table tests' inputs added below.

func addSeeds(f *testing.F) {
	for _, in := range []string{dockerNew, desktop, testdata(f, gcloudFile), testdata(f, "docker-cli-28.json"), "", "{}", "[]"} {
		f.Add([]byte(in), "gcr.io,us.gcr.io", false)
		f.Add([]byte(in), "gcr.io", true)
	}
}

func FuzzSetCredHelpers(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, hostList string, overwrite bool) {
		hosts := strings.Split(hostList, ",")
		orig := bytes.Clone(in)
		out, results, err := SetCredHelpers(in, hosts, "gcr", overwrite)
		if !bytes.Equal(in, orig) {
			t.Fatalf("SetCredHelpers modified its input")
		}
		if err != nil {
			checkRejected(t, in, err)
			return
		}
		before, after := decodeBoth(t, in, out)
		key := helpersKey(before)
		helpers, _ := before[key].(map[string]any)
		want := cloneMap(before)
		changed := false
		for _, r := range results {
			old, had := helpers[r.Host]
			switch {
			case !had && r.Action != Added,
				had && old == "gcr" && r.Action != Unchanged,
				had && old != "gcr" && r.Action != KeptOther && r.Action != Replaced,
				r.Action == Replaced && !overwrite:
				t.Fatalf("host %q (before: %v, %v): action %v", r.Host, old, had, r.Action)
			}
			if r.Action == Added || r.Action == Replaced {
				if !changed {
					changed = true
					m := cloneMap(helpers)
					if m == nil {
						m = map[string]any{}
					}
					want[key] = m
				}
				want[key].(map[string]any)[r.Host] = "gcr"
			}
		}
		if !reflect.DeepEqual(after, want) {
			t.Fatalf("SetCredHelpers(%q, %q) = %q:\ndecoded %v\nwant    %v", in, hosts, out, after, want)
		}
		if !changed && !bytes.Equal(out, in) {
			t.Fatalf("no-op SetCredHelpers(%q, %q) = %q, want the input unchanged", in, hosts, out)
		}
		again, _, err := SetCredHelpers(out, hosts, "gcr", overwrite)
		if err != nil || (!bytes.Equal(again, out) && !blank(out)) {
			t.Fatalf("SetCredHelpers on its own output %q = %q, %v; want it unchanged", out, again, err)
		}
	})
}

func FuzzRemoveCredHelpers(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, hostList string, _ bool) {
		hosts := strings.Split(hostList, ",")
		out, results, err := RemoveCredHelpers(in, hosts, "gcr")
		if err != nil {
			checkRejected(t, in, err)
			return
		}
		before, after := decodeBoth(t, in, out)
		key := helpersKey(before)
		helpers, _ := before[key].(map[string]any)
		want := cloneMap(before)
		changed := false
		for _, r := range results {
			old, had := helpers[r.Host]
			switch {
			case !had && r.Action != Absent,
				had && old == "gcr" && r.Action != Removed,
				had && old != "gcr" && r.Action != NotOurs:
				t.Fatalf("host %q (before: %v, %v): action %v", r.Host, old, had, r.Action)
			}
			if r.Action == Removed {
				if !changed {
					changed = true
					want[key] = cloneMap(helpers)
				}
				delete(want[key].(map[string]any), r.Host)
			}
		}
		if !reflect.DeepEqual(after, want) {
			t.Fatalf("RemoveCredHelpers(%q, %q) = %q:\ndecoded %v\nwant    %v", in, hosts, out, after, want)
		}
		if !changed && !bytes.Equal(out, in) {
			t.Fatalf("no-op RemoveCredHelpers(%q, %q) = %q, want the input unchanged", in, hosts, out)
		}
	})
}

// checkRejected checks that an input we refuse is one docker cannot read
// or one we refuse on purpose (a top-level value that is not an object,
// a credHelpers that is not an object of strings, duplicate credHelpers).
func checkRejected(t *testing.T, in []byte, err error) {
	t.Helper()
	if blank(in) || !json.Valid(in) {
		return // bad arguments, or docker cannot read it either
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber() // 1e400 is valid JSON but no float64
	if dec.Decode(&v) != nil {
		t.Fatalf("valid JSON does not decode: %q", in)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return // not an object
	}
	if strings.Contains(err.Error(), "twice") || strings.Contains(err.Error(), "host name") || strings.Contains(err.Error(), "helper name") {
		return
	}
	for k, val := range obj {
		if !strings.EqualFold(k, "credHelpers") {
			continue
		}
		m, ok := val.(map[string]any)
		if !ok {
			return // not an object
		}
		for _, hv := range m {
			if _, ok := hv.(string); !ok && hv != nil {
				return // a value that is not a string
			}
		}
	}
	t.Fatalf("edit rejected readable input %q: %v", in, err)
}

func decodeBoth(t *testing.T, in, out []byte) (before, after map[string]any) {
	t.Helper()
	if !json.Valid(out) && !(blank(out) && bytes.Equal(in, out)) {
		t.Fatalf("edit of %q = %q, not valid JSON", in, out)
	}
	before = map[string]any{}
	if !blank(in) {
		before = decode(t, in)
	}
	if blank(out) {
		return before, map[string]any{}
	}
	return before, decode(t, out)
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil || v == nil {
		t.Fatalf("decode %q: %v (%v)", data, err, v)
	}
	return v
}

// helpersKey is the top-level key docker reads as credHelpers.
func helpersKey(m map[string]any) string {
	for k := range m {
		if strings.EqualFold(k, "credHelpers") {
			return k
		}
	}
	return "credHelpers"
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
