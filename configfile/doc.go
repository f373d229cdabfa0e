// Package configfile edits Docker's config.json: raw bytes in, raw bytes out.
// Only the credHelpers object changes; every other byte of the file (unknown
// keys, key order, indentation, escapes, line endings, trailing newline)
// stays as it was. The file is never re-marshalled from a struct: that is how
// other helpers lose keys that they do not know.
//
// # How edits work
//
// A single-pass scanner, exactly as strict as encoding/json (what docker
// reads the file with), records the byte offsets of the top-level members
// and of the credHelpers entries. An edit is a few splices at those offsets,
// so it costs one scan of the file, and an edit that changes nothing returns
// the input itself. New text copies the file's own style: the separator and
// indentation between existing entries, the key/value separator, CRLF or LF,
// compact or indented. New entries go in sorted position when the existing
// ones are sorted (as docker writes them) and are appended otherwise (as
// gcloud writes them).
//
// # What docker and gcloud write
//
// The docker CLI (28.2.2) saves config.json with json.MarshalIndent and a
// tab: {\n\t"auths": {},\n\t"currentContext": "foo"\n} with map keys sorted
// and no newline after the closing brace; a new file is 0600. SetCredHelpers
// on an empty file writes that style. gcloud 528 (`gcloud auth
// configure-docker`) writes 2-space indentation, appends its entries in the
// order given, writes no final newline, re-indents an existing file and
// resets its mode to 0600.
//
// # What docker reads
//
// Docker decodes the file with encoding/json into its ConfigFile struct, so:
// comments and trailing commas make the file unreadable (we refuse them with
// the line and column); keys match case-insensitively ("CredHelpers" is
// credHelpers) and a repeated credHelpers object is merged (we refuse to edit
// such a file: which one would the user mean?); a null credHelpers or entry
// reads as empty. Parse returns what docker reads; the edits refuse what
// docker could not read, and duplicate entries, naming the line and column.
//
// Update wraps an edit in the safe write: a lock in a directory of the
// user's alone (the cache dir, never beside config.json), a write only when
// bytes changed, and fsutil.WriteFileAtomic (symlink
// followed, mode and owner kept, new files 0600 in a 0700 directory).
package configfile
