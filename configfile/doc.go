// Package configfile edits Docker's config.json: raw bytes in, raw bytes out.
// Only the credHelpers object changes; every other byte of the file (unknown
// keys, key order, indentation, trailing newline) stays as it was. The file
// is never re-marshalled from a struct: that is how other helpers lose keys
// that they do not know.
package configfile
