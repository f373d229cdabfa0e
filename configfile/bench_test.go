package configfile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/diff"
)

// bigConfig is a docker-style file with n sorted credHelpers entries
// (host-00000.example.com ...) after an auths object.
func bigConfig(n int) []byte {
	var b strings.Builder
	b.WriteString("{\n\t\"auths\": {\n\t\t\"quay.io\": {\n\t\t\t\"auth\": \"eDp5\"\n\t\t}\n\t},\n\t\"credHelpers\": {\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "\t\t\"host-%05d.example.com\": \"gcr\"", 2*i)
	}
	b.WriteString("\n\t},\n\t\"credsStore\": \"desktop\"\n}")
	return []byte(b.String())
}

// BenchmarkSetCredHelpers adds one host in the middle of n sorted entries
// and overwrites another: a scan, a binary search and one splice, linear in
// the file's size.
func BenchmarkSetCredHelpers(b *testing.B) {
	for _, n := range []int{100, 1_000, 10_000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			data := bigConfig(n)
			hosts := []string{fmt.Sprintf("host-%05d.example.com", n|1), "host-00000.example.com"}
			out, res, err := SetCredHelpers(data, hosts, "other", true)
			if err != nil || res[0].Action != Added || res[1].Action != Replaced || len(out) <= len(data) {
				b.Fatalf("SetCredHelpers() = %v, %v", res, err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				SetCredHelpers(data, hosts, "other", true)
			}
		})
	}
}

func TestBigConfigEdit(t *testing.T) {
	data := bigConfig(1000)
	out, _, err := SetCredHelpers(data, []string{"host-00501.example.com"}, "gcr", false)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(data), "\"host-00500.example.com\": \"gcr\",\n", "\"host-00500.example.com\": \"gcr\",\n\t\t\"host-00501.example.com\": \"gcr\",\n", 1)
	if string(out) != want {
		t.Errorf("SetCredHelpers(1000 entries) diff:\n%s", diff.Unified("want", []byte(want), out))
	}
}
