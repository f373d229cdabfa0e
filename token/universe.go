package token

import "fmt"

// universeError is a source skipped because its credential is of another
// universe than the registry's: not configured for it, and the likeliest
// reason a chain for an S3NS registry finds nothing.
type universeError struct {
	what      string // "its credential", "the metadata server is"
	got, want string
}

func (e *universeError) Error() string {
	return fmt.Sprintf("%s: %s universe %s, the registry needs %s", errNotConfigured, e.what, e.got, e.want)
}

func (e *universeError) Unwrap() error { return errNotConfigured }

// hint is the next step when source had a credential, but of e.got: get
// one of e.want, where that source looks for it. S3NS is named as such.
func (e *universeError) hint(source string) string {
	name, label := e.want, e.want
	if e.want == "s3nsapis.fr" {
		name, label = "S3NS", "S3NS ("+e.want+")"
	}
	key := "a key of a " + name + " service account (its \"universe_domain\" is " + e.want + "): create one in the " + name +
		" console, or run `gcloud config set universe_domain " + e.want + "` then `gcloud iam service-accounts keys create key.json --iam-account=SERVICE_ACCOUNT`"
	switch source {
	case SourceCredentialsFile:
		return "GOOGLE_APPLICATION_CREDENTIALS (or credentials_file) names a " + e.got + " credential, and a registry of " + label + " takes only " + name + " ones: set it to " + key
	case SourceADC:
		return "the application-default credentials are of " + e.got + ", the registry of " + label + ": run `gcloud config set universe_domain " + e.want + "` and `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to " + key
	case SourceGcloud:
		return "gcloud's account is of " + e.got + ", the registry of " + label + ": run `gcloud config set universe_domain " + e.want + "` and `gcloud auth login`, or set GOOGLE_APPLICATION_CREDENTIALS to " + key
	}
	return "the credentials found are of " + e.got + ", the registry of " + label + ": set GOOGLE_APPLICATION_CREDENTIALS to " + key
}
