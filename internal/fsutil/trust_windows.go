package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// On Windows a file's mode bits say nothing (Go reports 0666, or 0444 when
// read-only, whatever the ACL grants). What protects the helper's files is
// where they live: under the user's profile (%LocalAppData%, %AppData%),
// whose inherited ACL admits only the user, SYSTEM and Administrators. The
// rule checks what that gives every file there, on the file itself: its
// owner SID is the user's (or SYSTEM's or Administrators' where unix accepts
// root), and its DACL lets no one else — no other user, no group such as
// Users, Authenticated Users or Everyone — read it (private files) or change
// it (every trusted file). The helper sets no ACL of its own: a file it
// writes inherits its directory's, as any program's does; a cache dir placed
// where others may write is refused and the cache is off (doctor says why).

// openNoFollow: OpenAppend's Lstat is the only symlink check on Windows.
const openNoFollow = 0

// Access rights (winnt.h) that let a trustee read a file (list or traverse
// a directory), or change it (write, append, add or delete entries, delete,
// change its ACL or owner).
const (
	readRights = windows.FILE_READ_DATA | windows.FILE_READ_EA | windows.FILE_EXECUTE |
		windows.GENERIC_READ | windows.GENERIC_EXECUTE | windows.GENERIC_ALL
	writeRights = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | fileDeleteChild |
		windows.DELETE | windows.WRITE_DAC | windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL
	fileDeleteChild        = 0x40 // FILE_DELETE_CHILD
	aceTypeAllowedCallback = 9    // ACCESS_ALLOWED_CALLBACK_ACE_TYPE: same layout as ACCESS_ALLOWED_ACE
)

// identity is who this process is: the token's user and the owner it gives
// new objects (the user, or Administrators for an elevated administrator
// where the policy says so), and the SIDs that stand where root does.
type identity struct {
	user, owner   *windows.SID
	system, admin *windows.SID
	ownerRights   *windows.SID // OWNER RIGHTS: an ACE for whoever owns the file
	err           error
}

var me = sync.OnceValue(func() (id identity) {
	tok := windows.GetCurrentProcessToken()
	u, err := tok.GetTokenUser()
	if err != nil {
		return identity{err: fmt.Errorf("read the process token's user: %w", err)}
	}
	if id.user, err = u.User.Sid.Copy(); err != nil {
		return identity{err: err}
	}
	id.owner = id.user
	var buf [256]byte
	var n uint32
	if windows.GetTokenInformation(tok, windows.TokenOwner, &buf[0], uint32(len(buf)), &n) == nil {
		if o := (*struct{ Owner *windows.SID })(unsafe.Pointer(&buf[0])).Owner; o != nil {
			if c, err := o.Copy(); err == nil {
				id.owner = c
			}
		}
	}
	for _, w := range []struct {
		sid **windows.SID
		t   windows.WELL_KNOWN_SID_TYPE
	}{{&id.system, windows.WinLocalSystemSid}, {&id.admin, windows.WinBuiltinAdministratorsSid}, {&id.ownerRights, windows.WinCreatorOwnerRightsSid}} {
		if *w.sid, err = windows.CreateWellKnownSid(w.t); err != nil {
			return identity{err: err}
		}
	}
	return id
})

// trusted reports whether sid is the user or stands where root does.
func (id identity) trusted(sid *windows.SID) bool {
	return sid.Equals(id.user) || sid.Equals(id.owner) || sid.Equals(id.system) || sid.Equals(id.admin) || sid.Equals(id.ownerRights)
}

// checkOwner refuses the file unless its owner SID is the user's (or, with
// allowRoot, SYSTEM's or Administrators').
func checkOwner(path string, _ fs.FileInfo, allowRoot bool) error {
	id := me()
	if id.err != nil {
		return &UntrustedError{Path: path, Reason: "cannot be checked: " + id.err.Error(), Fix: "report this"}
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return &UntrustedError{Path: path, Reason: "has no owner this helper can read (" + err.Error() + ")", Fix: "keep the file on a local NTFS volume in your profile"}
	}
	owner, _, err := sd.Owner()
	switch {
	case err != nil || owner == nil:
		return &UntrustedError{Path: path, Reason: "has no owner", Fix: "remove it"}
	case owner.Equals(id.user) || owner.Equals(id.owner):
		return nil
	case allowRoot && (owner.Equals(id.system) || owner.Equals(id.admin)):
		return nil
	}
	return &UntrustedError{
		Path:   path,
		Reason: fmt.Sprintf("belongs to %s, not to you (%s)", account(owner), account(id.user)),
		Fix:    "remove it, or if you trust its content copy it to a file of your own",
	}
}

// checkPerm refuses the file when its DACL lets anyone but the user, SYSTEM
// and Administrators read or write it (deny 0o077) or write it (0o022). A
// missing or NULL DACL lets everyone do everything. Deny entries only take
// access away and inherit-only entries do not apply to the file itself, so
// both are skipped; an allow entry of a kind this check cannot read is
// refused.
func checkPerm(path string, fi fs.FileInfo, deny fs.FileMode) error {
	id := me()
	if id.err != nil {
		return &UntrustedError{Path: path, Reason: "cannot be checked: " + id.err.Error(), Fix: "report this"}
	}
	rights, what := uint32(writeRights), "change"
	if deny&0o044 != 0 {
		rights, what = rights|readRights, "read or change"
	}
	grant := `"%USERNAME%:F"`
	if fi != nil && fi.IsDir() {
		grant = `"%USERNAME%:(OI)(CI)F"`
	}
	fix := "let only you use it: `icacls \"" + path + "\" /inheritance:r /grant:r " + grant + "` (in cmd.exe), or remove it; files under your profile (%LocalAppData%, %AppData%) admit only you, SYSTEM and Administrators"
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return &UntrustedError{Path: path, Reason: "has no access control list this helper can read (" + err.Error() + ")", Fix: fix}
	}
	dacl, _, err := sd.DACL()
	if errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil) {
		return &UntrustedError{Path: path, Reason: "has no access control list: everyone may " + what + " it", Fix: fix}
	}
	if err != nil {
		return &UntrustedError{Path: path, Reason: "has an access control list this helper cannot read (" + err.Error() + ")", Fix: fix}
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return &UntrustedError{Path: path, Reason: "has an access control list this helper cannot read (" + err.Error() + ")", Fix: fix}
		}
		if ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue
		}
		switch ace.Header.AceType {
		case windows.ACCESS_ALLOWED_ACE_TYPE, aceTypeAllowedCallback:
		case windows.ACCESS_DENIED_ACE_TYPE, 10: // 10: ACCESS_DENIED_CALLBACK_ACE_TYPE
			continue
		default:
			return &UntrustedError{Path: path, Reason: fmt.Sprintf("has an access control entry of type %d that this helper cannot read", ace.Header.AceType), Fix: fix}
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if uint32(ace.Mask)&rights != 0 && !id.trusted(sid) {
			return &UntrustedError{Path: path, Reason: fmt.Sprintf("lets %s %s it", account(sid), what), Fix: fix}
		}
	}
	return nil
}

// closeDir: the helper sets no ACL (see above). A directory of the user's
// that others may read is kept (it holds lock files and files that are
// checked one by one); one that others may change is refused.
func closeDir(path string, fi fs.FileInfo) error {
	return checkPerm(path, fi, 0o022)
}

// account names a SID for a message: DOMAIN\name (SID), or the SID alone.
func account(sid *windows.SID) string {
	if name, domain, _, err := sid.LookupAccount(""); err == nil && name != "" {
		if domain != "" {
			name = domain + `\` + name
		}
		return fmt.Sprintf("%s (%s)", name, sid)
	}
	return sid.String()
}
