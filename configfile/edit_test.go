package configfile

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/diff"
)

// crlf turns a raw string's "\n" line ends into "\r\n" (Go raw strings
// cannot hold a carriage return).
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func testdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// What the docker CLI 28.2.2 writes (cli/config/configfile.ConfigFile.Save:
// json.MarshalIndent with "\t", keys of maps sorted, no newline after the
// closing brace, a new file 0600). Observed on this machine with
//
//	export DOCKER_CONFIG=$(mktemp -d)
//	docker context create foo --docker host=unix:///x
//	docker context use foo   # writes {\n\t"auths": {},\n\t"currentContext": "foo"\n}
//
// testdata/docker-cli-28.json is a compact file with auths, credsStore and
// proxies that `docker context use` rewrote in that style.
const dockerNew = "{\n\t\"auths\": {},\n\t\"currentContext\": \"foo\"\n}"

// What Docker Desktop leaves in config.json: a credsStore, a current context
// and CLI plugin settings (tabs, as it is written by the same Go code).
const desktop = `{
	"auths": {
		"https://index.docker.io/v1/": {}
	},
	"credsStore": "desktop",
	"currentContext": "desktop-linux",
	"plugins": {
		"-x-cli-hints": {
			"enabled": "true"
		}
	}
}
`

// What `gcloud auth configure-docker gcr.io,us-east1-docker.pkg.dev,eu.gcr.io
// --quiet` (gcloud 528) writes for a new file: 2 spaces, entries in the order
// given (not sorted), no final newline, mode 0600. On an existing file gcloud
// keeps unknown keys but re-indents it with 2 spaces and appends credHelpers
// last.
const gcloudFile = "gcloud-528.json"

type editCase struct {
	name      string
	in        string
	hosts     []string
	overwrite bool
	want      string
	results   []Result
}

func TestSetCredHelpers(t *testing.T) {
	tests := []editCase{
		{
			name:  "empty input becomes what docker writes",
			in:    "",
			hosts: []string{"us.gcr.io", "gcr.io"},
			want: `{
	"credHelpers": {
		"gcr.io": "gcr",
		"us.gcr.io": "gcr"
	}
}`,
			results: []Result{{Host: "us.gcr.io", Action: Added}, {Host: "gcr.io", Action: Added}},
		},
		{
			name:  "whitespace only input",
			in:    " \n\n",
			hosts: []string{"gcr.io"},
			want:  "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}",
		},
		{
			name:  "empty object keeps what is around it",
			in:    "{}\n",
			hosts: []string{"gcr.io"},
			want:  "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}\n",
		},
		{
			name:  "docker-written file gets credHelpers last",
			in:    dockerNew,
			hosts: []string{"gcr.io", "europe-west1-docker.pkg.dev"},
			want: `{
	"auths": {},
	"currentContext": "foo",
	"credHelpers": {
		"europe-west1-docker.pkg.dev": "gcr",
		"gcr.io": "gcr"
	}
}`,
		},
		{
			name:  "docker CLI file with auths, credsStore and proxies",
			in:    testdata(t, "docker-cli-28.json"),
			hosts: []string{"gcr.io"},
			want: `{
	"auths": {
		"https://index.docker.io/v1/": {},
		"registry.example.com": {
			"auth": "dXNlcjpwYXNz"
		}
	},
	"credsStore": "desktop",
	"proxies": {
		"default": {
			"httpProxy": "http://proxy.example:3128",
			"noProxy": "localhost,127.0.0.1"
		}
	},
	"credHelpers": {
		"gcr.io": "gcr"
	}
}`,
		},
		{
			name:  "docker desktop file keeps its trailing newline",
			in:    desktop,
			hosts: []string{"us-docker.pkg.dev"},
			want: `{
	"auths": {
		"https://index.docker.io/v1/": {}
	},
	"credsStore": "desktop",
	"currentContext": "desktop-linux",
	"plugins": {
		"-x-cli-hints": {
			"enabled": "true"
		}
	},
	"credHelpers": {
		"us-docker.pkg.dev": "gcr"
	}
}
`,
		},
		{
			name:  "gcloud file: unsorted entries, so append; gcloud's entry kept",
			in:    testdata(t, gcloudFile),
			hosts: []string{"gcr.io", "asia.gcr.io", "us.gcr.io"},
			want: `{
  "credHelpers": {
    "gcr.io": "gcloud",
    "us-east1-docker.pkg.dev": "gcloud",
    "eu.gcr.io": "gcloud",
    "asia.gcr.io": "gcr",
    "us.gcr.io": "gcr"
  }
}`,
			results: []Result{
				{Host: "gcr.io", Action: KeptOther, Previous: "gcloud"},
				{Host: "asia.gcr.io", Action: Added},
				{Host: "us.gcr.io", Action: Added},
			},
		},
		{
			name:      "gcloud file with overwrite",
			in:        testdata(t, gcloudFile),
			hosts:     []string{"eu.gcr.io", "gcr.io"},
			overwrite: true,
			want: `{
  "credHelpers": {
    "gcr.io": "gcr",
    "us-east1-docker.pkg.dev": "gcloud",
    "eu.gcr.io": "gcr"
  }
}`,
			results: []Result{
				{Host: "eu.gcr.io", Action: Replaced, Previous: "gcloud"},
				{Host: "gcr.io", Action: Replaced, Previous: "gcloud"},
			},
		},
		{
			name: "2 spaces, sorted: insert at start, middle and end",
			in: `{
  "auths": {},
  "credHelpers": {
    "eu.gcr.io": "gcr",
    "us.gcr.io": "gcr"
  }
}
`,
			hosts: []string{"zz.example.com", "gcr.io", "asia.gcr.io", "marketplace.gcr.io", "eu.gcr.io"},
			want: `{
  "auths": {},
  "credHelpers": {
    "asia.gcr.io": "gcr",
    "eu.gcr.io": "gcr",
    "gcr.io": "gcr",
    "marketplace.gcr.io": "gcr",
    "us.gcr.io": "gcr",
    "zz.example.com": "gcr"
  }
}
`,
			results: []Result{
				{Host: "zz.example.com", Action: Added},
				{Host: "gcr.io", Action: Added},
				{Host: "asia.gcr.io", Action: Added},
				{Host: "marketplace.gcr.io", Action: Added},
				{Host: "eu.gcr.io", Action: Unchanged},
			},
		},
		{
			name: "one entry, inserted before it",
			in: `{
  "credHelpers": {
    "us.gcr.io": "gcloud"
  }
}`,
			hosts: []string{"gcr.io"},
			want: `{
  "credHelpers": {
    "gcr.io": "gcr",
    "us.gcr.io": "gcloud"
  }
}`,
		},
		{
			name: "4 spaces, no credHelpers",
			in: `{
    "auths": {
        "quay.io": {
            "auth": "eDp5"
        }
    },
    "detachKeys": "ctrl-e,e"
}
`,
			hosts: []string{"gcr.io", "eu.gcr.io"},
			want: `{
    "auths": {
        "quay.io": {
            "auth": "eDp5"
        }
    },
    "detachKeys": "ctrl-e,e",
    "credHelpers": {
        "eu.gcr.io": "gcr",
        "gcr.io": "gcr"
    }
}
`,
		},
		{
			name:  "4 spaces, empty credHelpers gets its first entry",
			in:    "{\n    \"credHelpers\": {},\n    \"credsStore\": \"pass\"\n}\n",
			hosts: []string{"gcr.io"},
			want:  "{\n    \"credHelpers\": {\n        \"gcr.io\": \"gcr\"\n    },\n    \"credsStore\": \"pass\"\n}\n",
		},
		{
			name:  "compact stays compact",
			in:    `{"auths":{"quay.io":{"auth":"eDp5"}},"credsStore":"desktop"}`,
			hosts: []string{"gcr.io", "eu.gcr.io"},
			want:  `{"auths":{"quay.io":{"auth":"eDp5"}},"credsStore":"desktop","credHelpers":{"eu.gcr.io":"gcr","gcr.io":"gcr"}}`,
		},
		{
			name:  "compact with spaces (python json.dumps)",
			in:    `{"credHelpers": {"gcr.io": "gcloud"}, "credsStore": "desktop"}` + "\n",
			hosts: []string{"us.gcr.io", "asia.gcr.io"},
			want:  `{"credHelpers": {"asia.gcr.io": "gcr", "gcr.io": "gcloud", "us.gcr.io": "gcr"}, "credsStore": "desktop"}` + "\n",
		},
		{
			name:  "compact empty credHelpers",
			in:    `{"credHelpers":{}}`,
			hosts: []string{"gcr.io", "eu.gcr.io"},
			want:  `{"credHelpers":{"eu.gcr.io":"gcr","gcr.io":"gcr"}}`,
		},
		{
			name:  "CRLF, new credHelpers",
			in:    crlf("{\n\t\"auths\": {}\n}\n"),
			hosts: []string{"gcr.io", "eu.gcr.io"},
			want:  crlf("{\n\t\"auths\": {},\n\t\"credHelpers\": {\n\t\t\"eu.gcr.io\": \"gcr\",\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}\n"),
		},
		{
			name:  "CRLF, one existing entry",
			in:    crlf("{\n  \"credHelpers\": {\n    \"eu.gcr.io\": \"gcr\"\n  }\n}"),
			hosts: []string{"gcr.io"},
			want:  crlf("{\n  \"credHelpers\": {\n    \"eu.gcr.io\": \"gcr\",\n    \"gcr.io\": \"gcr\"\n  }\n}"),
		},
		{
			name:  "CRLF, empty credHelpers",
			in:    crlf("{\n  \"credHelpers\": {}\n}\n"),
			hosts: []string{"gcr.io"},
			want:  crlf("{\n  \"credHelpers\": {\n    \"gcr.io\": \"gcr\"\n  }\n}\n"),
		},
		{
			name:  "no trailing newline stays absent",
			in:    "{\n  \"auths\": {}\n}",
			hosts: []string{"gcr.io"},
			want:  "{\n  \"auths\": {},\n  \"credHelpers\": {\n    \"gcr.io\": \"gcr\"\n  }\n}",
		},
		{
			name: "everything else byte for byte: odd spacing, escapes, nested, order",
			in: `{
  "zeta" : [1, 2.50, -0e+3, true, null],
  "auths": {"r\u00e9gistry.example": {"auth": "eDp5", "identitytoken": "\ud83d\ude00"}},
  "credHelpers": {
    "gcr.io": "gcloud"
  },
  "plugins": {"buildx": {"x": {"y": {}}}},
  "currentContext": "ctx\/with\/slashes"
}
`,
			hosts: []string{"us.gcr.io"},
			want: `{
  "zeta" : [1, 2.50, -0e+3, true, null],
  "auths": {"r\u00e9gistry.example": {"auth": "eDp5", "identitytoken": "\ud83d\ude00"}},
  "credHelpers": {
    "gcr.io": "gcloud",
    "us.gcr.io": "gcr"
  },
  "plugins": {"buildx": {"x": {"y": {}}}},
  "currentContext": "ctx\/with\/slashes"
}
`,
		},
		{
			name:  "escaped key matches its decoded host",
			in:    `{"credHelpers": {"gcr\u002eio": "gcr"}}`,
			hosts: []string{"gcr.io"},
			want:  `{"credHelpers": {"gcr\u002eio": "gcr"}}`,
			results: []Result{
				{Host: "gcr.io", Action: Unchanged},
			},
		},
		{
			name:  "hosts are written JSON-escaped",
			in:    `{"credHelpers": {}}`,
			hosts: []string{`we"ird\host`, "<b&b>"},
			want:  `{"credHelpers": {"<b&b>": "gcr", "we\"ird\\host": "gcr"}}`,
		},
		{
			name:  "credHelpers null becomes an object",
			in:    "{\n\t\"credHelpers\": null\n}",
			hosts: []string{"gcr.io"},
			want:  "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}",
		},
		{
			name:  "credHelpers under another case is what docker reads",
			in:    `{"CredHelpers": {"eu.gcr.io": "gcr"}}`,
			hosts: []string{"gcr.io"},
			want:  `{"CredHelpers": {"eu.gcr.io": "gcr", "gcr.io": "gcr"}}`,
		},
		{
			name:  "repeated hosts count once",
			in:    `{}`,
			hosts: []string{"gcr.io", "gcr.io"},
			want:  "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}",
			results: []Result{
				{Host: "gcr.io", Action: Added},
			},
		},
		{
			name: "entries on one line inside an indented file",
			in: `{
  "credHelpers": {"eu.gcr.io": "gcr"}
}`,
			hosts: []string{"gcr.io"},
			want: `{
  "credHelpers": {"eu.gcr.io": "gcr", "gcr.io": "gcr"}
}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, results, err := SetCredHelpers([]byte(tt.in), tt.hosts, "gcr", tt.overwrite)
			if err != nil {
				t.Fatalf("SetCredHelpers(%q, %q) = %v, want no error", tt.in, tt.hosts, err)
			}
			if string(got) != tt.want {
				t.Errorf("SetCredHelpers(%q, %q) =\n%s\nwant\n%s\ndiff:\n%s", tt.in, tt.hosts, got, tt.want,
					diff.Unified("want", []byte(tt.want), got))
			}
			if tt.results != nil && !reflect.DeepEqual(results, tt.results) {
				t.Errorf("SetCredHelpers(%q, %q) results = %v, want %v", tt.in, tt.hosts, results, tt.results)
			}
		})
	}
}

func TestSetCredHelpersNoOpIsIdentical(t *testing.T) {
	for _, in := range []string{
		testdata(t, gcloudFile),
		"{\"credHelpers\": {\"gcr.io\": \"gcr\"}}\n\n",
		crlf("{\n  \"credHelpers\": {\n    \"gcr.io\": \"gcloud\"\n  }\n}\n"),
		"",
		"  \n",
	} {
		data := []byte(in)
		got, _, err := SetCredHelpers(data, []string{"gcr.io"}, "gcloud", false)
		if err != nil {
			t.Fatalf("SetCredHelpers(%q) = %v", in, err)
		}
		got2, _, err := SetCredHelpers(data, []string{"gcr.io"}, "gcr", false) // KeptOther
		if err != nil {
			t.Fatalf("SetCredHelpers(%q) = %v", in, err)
		}
		if in == "" || strings.TrimSpace(in) == "" {
			continue // nothing to keep: gcr.io was added
		}
		for _, g := range [][]byte{got, got2} {
			if !bytes.Equal(g, data) || &g[0] != &data[0] {
				t.Errorf("no-op SetCredHelpers(%q) = %q, want the input itself", in, g)
			}
		}
	}
}

func TestRemoveCredHelpers(t *testing.T) {
	twoSpace := `{
  "auths": {},
  "credHelpers": {
    "asia.gcr.io": "gcr",
    "eu.gcr.io": "gcloud",
    "gcr.io": "gcr",
    "us.gcr.io": "gcr"
  },
  "credsStore": "desktop"
}
`
	tests := []editCase{
		{
			name:  "first",
			in:    twoSpace,
			hosts: []string{"asia.gcr.io"},
			want:  strings.Replace(twoSpace, "    \"asia.gcr.io\": \"gcr\",\n", "", 1),
		},
		{
			name:  "middle, and one that is not ours, and one absent",
			in:    twoSpace,
			hosts: []string{"gcr.io", "eu.gcr.io", "nope.example"},
			want:  strings.Replace(twoSpace, "    \"gcr.io\": \"gcr\",\n", "", 1),
			results: []Result{
				{Host: "gcr.io", Action: Removed},
				{Host: "eu.gcr.io", Action: NotOurs, Previous: "gcloud"},
				{Host: "nope.example", Action: Absent},
			},
		},
		{
			name:  "last",
			in:    twoSpace,
			hosts: []string{"us.gcr.io"},
			want:  strings.Replace(twoSpace, "\"gcr\",\n    \"us.gcr.io\": \"gcr\"\n", "\"gcr\"\n", 1),
		},
		{
			name:  "the last two",
			in:    twoSpace,
			hosts: []string{"us.gcr.io", "gcr.io"},
			want:  strings.Replace(twoSpace, "\"gcloud\",\n    \"gcr.io\": \"gcr\",\n    \"us.gcr.io\": \"gcr\"\n", "\"gcloud\"\n", 1),
		},
		{
			name:  "all but the one that is not ours",
			in:    twoSpace,
			hosts: []string{"us.gcr.io", "gcr.io", "asia.gcr.io"},
			want: `{
  "auths": {},
  "credHelpers": {
    "eu.gcr.io": "gcloud"
  },
  "credsStore": "desktop"
}
`,
		},
		{
			name:  "every entry leaves an empty object",
			in:    "{\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\",\n\t\t\"us.gcr.io\": \"gcr\"\n\t}\n}",
			hosts: []string{"gcr.io", "us.gcr.io"},
			want:  "{\n\t\"credHelpers\": {}\n}",
		},
		{
			name:  "CRLF",
			in:    crlf("{\n  \"credHelpers\": {\n    \"eu.gcr.io\": \"gcr\",\n    \"gcr.io\": \"gcr\"\n  }\n}\n"),
			hosts: []string{"gcr.io"},
			want:  crlf("{\n  \"credHelpers\": {\n    \"eu.gcr.io\": \"gcr\"\n  }\n}\n"),
		},
		{
			name:  "compact",
			in:    `{"credHelpers":{"a.io":"gcr","b.io":"x","c.io":"gcr"},"credsStore":"desktop"}`,
			hosts: []string{"a.io", "c.io"},
			want:  `{"credHelpers":{"b.io":"x"},"credsStore":"desktop"}`,
		},
		{
			name:  "nothing to remove is byte-identical",
			in:    "{\"credHelpers\": {\"gcr.io\": \"gcloud\"}}\n",
			hosts: []string{"gcr.io", "us.gcr.io"},
			want:  "{\"credHelpers\": {\"gcr.io\": \"gcloud\"}}\n",
			results: []Result{
				{Host: "gcr.io", Action: NotOurs, Previous: "gcloud"},
				{Host: "us.gcr.io", Action: Absent},
			},
		},
		{
			name:  "no credHelpers",
			in:    dockerNew,
			hosts: []string{"gcr.io"},
			want:  dockerNew,
		},
		{
			name:  "empty input",
			in:    "",
			hosts: []string{"gcr.io"},
			want:  "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, results, err := RemoveCredHelpers([]byte(tt.in), tt.hosts, "gcr")
			if err != nil {
				t.Fatalf("RemoveCredHelpers(%q, %q) = %v, want no error", tt.in, tt.hosts, err)
			}
			if string(got) != tt.want {
				t.Errorf("RemoveCredHelpers(%q, %q) =\n%s\nwant\n%s\ndiff:\n%s", tt.in, tt.hosts, got, tt.want,
					diff.Unified("want", []byte(tt.want), got))
			}
			if tt.results != nil && !reflect.DeepEqual(results, tt.results) {
				t.Errorf("RemoveCredHelpers(%q, %q) results = %v, want %v", tt.in, tt.hosts, results, tt.results)
			}
		})
	}
}

func TestEditErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // a part of the error
	}{
		{"line comment", "{\n  // mine\n  \"auths\": {}\n}", "line 2, column 3: invalid character '/' looking for beginning of object key string; fix the file or move it aside"},
		{"block comment", "{\"auths\": {} /* x */}", "line 1, column 14: invalid character '/' after object key:value pair"},
		{"trailing comma", "{\n\t\"auths\": {},\n}", "line 3, column 1: invalid character '}' looking for beginning of object key string"},
		{"trailing comma in credHelpers", "{\"credHelpers\": {\"gcr.io\": \"gcr\",}}", "line 1, column 34: invalid character '}'"},
		{"single quotes", "{'auths': {}}", `line 1, column 2: invalid character '\'' looking for beginning of object key string`},
		{"truncated", "{\n\t\"auths\": {", "line 2, column 12: unexpected end of JSON input"},
		{"garbage after", "{}\n{}", "line 2, column 1: invalid character '{' after top-level value"},
		{"byte order mark", "\ufeff{}", "line 1, column 1: invalid character 'ï' looking for beginning of value"},
		{"top-level array", "[]", "line 1, column 1: the top-level value is an array, docker needs an object"},
		{"top-level null", " null", "line 1, column 2: the top-level value is null, docker needs an object"},
		{"credHelpers string", "{\n  \"credHelpers\": \"gcr\"\n}", "line 2, column 18: credHelpers is a string, docker needs an object"},
		{"credHelpers value number", "{\"credHelpers\": {\"gcr.io\": 1}}", `line 1, column 28: credHelpers "gcr.io" is a number, docker needs a string`},
		{"duplicate credHelpers key", "{\"credHelpers\": {\n\"gcr.io\": \"a\",\n\"gcr.io\": \"b\"}}", `line 3, column 1: credHelpers has "gcr.io" twice (also at line 2); docker uses the last one; remove one of them and retry`},
		{"credHelpers twice", "{\"credHelpers\": {},\n \"credhelpers\": {}}", `line 2, column 2: credHelpers appears twice (also as "credHelpers" at line 1); docker merges them; keep one of them and retry`},
		{"too deep", strings.Repeat("[", 10001) + strings.Repeat("]", 10001), "exceeded max depth"},
		{"control character", "{\"a\": \"x\ty\"}", "line 1, column 9: invalid character '\\t' in string literal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []func([]byte) ([]byte, []Result, error){
				func(b []byte) ([]byte, []Result, error) { return SetCredHelpers(b, []string{"gcr.io"}, "gcr", false) },
				func(b []byte) ([]byte, []Result, error) { return RemoveCredHelpers(b, []string{"gcr.io"}, "gcr") },
			} {
				got, _, err := f([]byte(tt.in))
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("edit(%.40q) = %q, %v; want an error containing %q", tt.in, got, err, tt.want)
				}
			}
		})
	}
}

func TestEditRejectsBadArguments(t *testing.T) {
	for _, hosts := range [][]string{{""}, {"gcr.io", ""}, {"\xff"}} {
		if _, _, err := SetCredHelpers([]byte("{}"), hosts, "gcr", false); err == nil {
			t.Errorf("SetCredHelpers(hosts %q) = nil error, want one", hosts)
		}
	}
	if _, _, err := SetCredHelpers([]byte("{}"), []string{"gcr.io"}, "", false); err == nil {
		t.Errorf("SetCredHelpers(helper \"\") = nil error, want one")
	}
}
