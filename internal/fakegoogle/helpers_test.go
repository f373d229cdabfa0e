package fakegoogle

import "testing"

// newServer starts a Server closed with the test.
func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	t.Cleanup(s.Close)
	return s
}
