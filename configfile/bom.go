package configfile

import "bytes"

// bom is the UTF-8 byte order mark that Windows editors put at the start
// of a file (Notepad's "UTF-8 with BOM", Windows PowerShell 5's
// `Out-File -Encoding utf8`).
var bom = []byte{0xef, 0xbb, 0xbf}

// HasBOM reports whether data starts with a UTF-8 byte order mark. The
// docker CLI cannot read such a config.json: it warns "Error parsing config
// file ... invalid character 'ï'" and ignores the whole file, credHelpers
// included (docker 28.2.2).
func HasBOM(data []byte) bool { return bytes.HasPrefix(data, bom) }

// TrimBOM returns data without a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }
