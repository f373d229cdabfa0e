package diff

import (
	"fmt"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	tests := []struct {
		name, before, after, want string
	}{
		{name: "equal", before: dockerConfig, after: dockerConfig, want: ""},
		{
			name:   "new file",
			before: "",
			after:  "{\n\t\"credHelpers\": {}\n}",
			want: `--- config.json
+++ config.json
@@ -0,0 +1,3 @@
+{
+	"credHelpers": {}
+}
\ No newline at end of file
`,
		},
		{
			name:   "a member added at the end, no final newline",
			before: dockerConfig,
			after:  "{\n\t\"auths\": {},\n\t\"currentContext\": \"foo\",\n\t\"credHelpers\": {\n\t\t\"gcr.io\": \"gcr\"\n\t}\n}",
			want: `--- config.json
+++ config.json
@@ -1,4 +1,7 @@
 {
 	"auths": {},
-	"currentContext": "foo"
+	"currentContext": "foo",
+	"credHelpers": {
+		"gcr.io": "gcr"
+	}
 }
\ No newline at end of file
`,
		},
		{
			name:   "one line inserted in a long file, 3 lines of context",
			before: lines(1, 20),
			after:  strings.Replace(lines(1, 20), "line 10\n", "line 10\nnew\n", 1),
			want: `--- config.json
+++ config.json
@@ -8,6 +8,7 @@
 line 8
 line 9
 line 10
+new
 line 11
 line 12
 line 13
`,
		},
		{
			name:   "two changes far apart make two hunks",
			before: lines(1, 20),
			after:  strings.Replace(strings.Replace(lines(1, 20), "line 2\n", "two\n", 1), "line 19\n", "", 1),
			want: `--- config.json
+++ config.json
@@ -1,5 +1,5 @@
 line 1
-line 2
+two
 line 3
 line 4
 line 5
@@ -16,5 +16,4 @@
 line 16
 line 17
 line 18
-line 19
 line 20
`,
		},
		{
			name:   "close changes share a hunk",
			before: lines(1, 12),
			after:  strings.Replace(strings.Replace(lines(1, 12), "line 3\n", "three\n", 1), "line 9\n", "nine\n", 1),
			want: `--- config.json
+++ config.json
@@ -1,12 +1,12 @@
 line 1
 line 2
-line 3
+three
 line 4
 line 5
 line 6
 line 7
 line 8
-line 9
+nine
 line 10
 line 11
 line 12
`,
		},
		{
			name:   "newline added at the end",
			before: "{}",
			after:  "{}\n",
			want: `--- config.json
+++ config.json
@@ -1 +1 @@
-{}
\ No newline at end of file
+{}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unified("config.json", []byte(tt.before), []byte(tt.after)); got != tt.want {
				t.Errorf("Unified() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func lines(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	return b.String()
}

func TestDiffLargeRewrite(t *testing.T) {
	// Every line differs: the bounded search gives up and still yields a
	// correct diff.
	before := strings.Repeat("a\n", 5000)
	after := strings.Repeat("b\n", 5000)
	got := Unified("f", []byte(before), []byte(after))
	if !strings.HasPrefix(got, "--- f\n+++ f\n@@ -1,5000 +1,5000 @@\n-a\n") || strings.Count(got, "\n+b") != 5000 {
		t.Errorf("Unified(large rewrite) = %.80q..., want all removed then all added", got)
	}
}

// dockerConfig is a config.json as the docker CLI 28 writes it.
const dockerConfig = "{\n\t\"auths\": {},\n\t\"currentContext\": \"foo\"\n}"
