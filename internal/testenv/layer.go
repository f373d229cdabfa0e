package testenv

import (
	"archive/tar"
	"bytes"
	"time"
)

// Layer is an image layer (a tarball) of one file, hello.txt, holding
// content: what `crane append -f` takes.
func Layer(content string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "hello.txt", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(0, 0)})
	tw.Write([]byte(content))
	tw.Close() // writing to memory: no error
	return b.Bytes()
}
