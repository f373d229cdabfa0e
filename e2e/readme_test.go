//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docker-credential-gcr/docker-credential-gcr/e2e/harness"
)

// readmeBlock is a shell block of the README marked runnable.
type readmeBlock struct {
	line    int    // of the opening fence
	fixture string // what the README says holds before it: "" or "credsStore"
	script  string
}

var runnableMark = regexp.MustCompile(`^<!-- runnable(?:: ([A-Za-z]+))? -->$`)

// runnableBlocks returns the ```sh blocks of the markdown file at path that
// directly follow a <!-- runnable --> (or <!-- runnable: FIXTURE -->) line.
func runnableBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	marked, fixture := false, ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.script += line + "\n"
		case marked && line == "```sh":
			cur = &readmeBlock{line: n, fixture: fixture}
			marked = false
		case marked:
			t.Fatalf("%s:%d: a runnable mark must be followed by a ```sh block, not %q", path, n, line)
		default:
			if m := runnableMark.FindStringSubmatch(line); m != nil {
				marked, fixture = true, m[1]
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil || marked {
		t.Fatalf("%s: a runnable block is not closed", path)
	}
	return blocks
}

// TestReadme runs every shell block of the README marked runnable, as
// written, for a fresh user of the world: the helper on PATH, a fake Google
// behind the real host names, the image the README names in the
// Artifact-Registry-like registry, a service-account key in ~/key.json and
// the Naver Cloud stand-in's keys in NCR_ACCESS_KEY / NCR_SECRET_KEY. A
// block marked "credsStore" runs with {"credsStore": "gcr"} in
// ~/.docker/config.json, as the README says just above it.
func TestReadme(t *testing.T) {
	needs(t, "docker", "crane", "skopeo")
	blocks := runnableBlocks(t, filepath.Join("..", "README.md"))
	if len(blocks) < 10 {
		t.Fatalf("the README has %d runnable blocks, want 10 or more: was a mark lost?", len(blocks))
	}
	pusher := newUser(t, "readme-pusher")
	must(t, pusher, "docker-credential-gcr configure-docker "+harness.ARHost)
	pushImage(t, pusher, harness.ARHost+"/my-project/my-repo/my-image:tag")
	key, err := world.Google.NewServiceAccountForRealHosts("readme@my-project.iam.gserviceaccount.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		t.Run(fmt.Sprintf("README.md:%d", b.line), func(t *testing.T) {
			u := newUser(t, "readme")
			if _, err := u.WriteFile("key.json", key); err != nil {
				t.Fatal(err)
			}
			u.Setenv("NCR_ACCESS_KEY", harness.ForeignUser)
			u.Setenv("NCR_SECRET_KEY", world.ForeignSecret)
			switch b.fixture {
			case "":
			case "credsStore":
				if _, err := u.WriteFile(".docker/config.json", []byte("{\n  \"credsStore\": \"gcr\"\n}\n")); err != nil {
					t.Fatal(err)
				}
			default:
				t.Fatalf("README.md:%d: unknown fixture %q", b.line, b.fixture)
			}
			r := u.Sh("set -e\n" + b.script)
			if r.Err != nil {
				t.Fatalf("README.md:%d does not run as written:\n%s", b.line, r)
			}
			if strings.TrimSpace(b.script) == "" {
				t.Errorf("README.md:%d: an empty runnable block", b.line)
			}
			noSecretIn(t, filepath.Join(u.Home, ".docker", "config.json"), world.ForeignSecret)
		})
	}
}
