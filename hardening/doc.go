// Package hardening holds the tests that measure what the product promises
// under stress: nothing lost, nothing leaked, nothing hung. They drive the
// built docker-credential-gcr binary as real processes, each as an
// isolated user of internal/testenv (the binary built once per test binary;
// HOME, DOCKER_CONFIG, XDG_* and CLOUDSDK_CONFIG in t.TempDir()), against
// the fakes of internal/fakegoogle on 127.0.0.1. The metadata server is always the fake or a
// closed 127.0.0.1 port: nothing reaches the network or 169.254.169.254.
//
//   - crash safety: configure-docker, the token cache and the credential
//     file fallback killed with SIGKILL at random moments;
//   - concurrency: parallel configure-docker, cold get and mixed
//     store/erase/get;
//   - faults: the metadata server, the OAuth token endpoint, IAM Credentials
//     and gcloud down, slow, failing or hanging;
//   - secrets: every output, trail and file name scanned for every secret
//     the fakes issued; file modes.
//
// Default sizes keep `go test ./hardening/` under half a minute; HARDENING_FULL=1
// (`make stress`) runs the full sizes. Lines starting with "FIGURE" in the
// -v output are the figures the README's "Reliability and security"
// section reports.
package hardening
