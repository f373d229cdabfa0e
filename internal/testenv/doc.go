// Package testenv is the one test environment of this module: the helper
// built once per test binary, an isolated user to run it as, the run's
// result with a redacted String, and the scan for leaked secrets. The cmd
// tests, hardening, the unit tests of the wiring, the fakes' tests and the
// end-to-end world (e2e/harness, and through it the demo and the
// benchmark) all use it, so that "isolated" means one thing.
//
// An isolated user (Isolated, Layout) has every place under one home:
// HOME, DOCKER_CONFIG (HOME/.docker), XDG_CONFIG_HOME, XDG_CACHE_HOME,
// XDG_DATA_HOME, XDG_RUNTIME_DIR and CLOUDSDK_CONFIG; the metadata server
// is a fake on 127.0.0.1 for the helper (GCE_METADATA_HOST), gcloud
// (GCE_METADATA_ROOT) and whatever asks for its IP (GCE_METADATA_IP), so
// nothing reaches 169.254.169.254; DBUS_SESSION_BUS_ADDRESS points nowhere,
// so no keyring is asked and no bus is autolaunched. A process gets exactly
// that environment, nothing inherited.
//
// A test with the binary:
//
//	func TestMain(m *testing.M) { testenv.Main(m) } // removes the built binary
//
//	func TestGet(t *testing.T) {
//		e := testenv.New(t, fakegoogle.Options{}) // the fake Google serves testenv.VMAccount
//		r := e.Run("gcr.io", "get")
//		if r.Code != 0 {
//			t.Fatalf("%s", r) // the run, secrets redacted
//		}
//		e.Secrets.Check(t, "get stderr", r.Stderr)
//	}
//
// A test of a tool that may be missing calls Need, which skips the test
// naming the tool, or fails it in CI (CI set): CI never skips.
//
// It is a package of tests and tools: nothing of the binary imports it
// (TestImportGraph).
package testenv
