package fsutil

import "bytes"

// BOM is the UTF-8 byte order mark that Windows editors put at the start
// of a text file (Notepad's "UTF-8 with BOM", Windows PowerShell 5's
// `Out-File -Encoding utf8`). It is no part of JSON, of a token or of a
// key, and most readers refuse it: the docker CLI ignores a config.json
// that starts with one ("invalid character 'ï'", docker 28.2.2).
const BOM = "\xef\xbb\xbf"

// HasBOM reports whether data starts with a UTF-8 byte order mark.
func HasBOM(data []byte) bool { return bytes.HasPrefix(data, []byte(BOM)) }

// TrimBOM returns data without a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, []byte(BOM)) }
