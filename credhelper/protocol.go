package credhelper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/docker/docker-credential-helpers/credentials"
)

// storeExample is the input `store` expects, as docker login sends it.
const storeExample = `{"ServerURL":"HOST","Username":"USER","Secret":"SECRET"}`

// Handle serves one docker-credential action with in as stdin, exactly as
// credentials.HandleCommand does, but says what the action expects when the
// input is unusable: the library answers an empty or truncated store with
// "EOF" or "unexpected EOF", and an empty get with "no credentials server
// URL". Its words are kept inside the message; every other error,
// above all the not-found text clients match literally, passes unchanged.
func Handle(h *Helper, action string, in []byte, out io.Writer) error {
	if action == "store" {
		var c credentials.Credentials
		if err := json.NewDecoder(bytes.NewReader(in)).Decode(&c); err != nil {
			return storeInputError(err)
		}
	}
	err := credentials.HandleCommand(h, action, bytes.NewReader(in), out)
	switch {
	case err == nil:
		return nil
	case credentials.IsCredentialsMissingServerURL(err) && action == "store",
		credentials.IsCredentialsMissingUsername(err):
		return storeInputError(err)
	case credentials.IsCredentialsMissingServerURL(err):
		return fmt.Errorf("%s: %w; it reads a registry server URL on stdin, as docker sends it; by hand: echo us-east1-docker.pkg.dev | docker-credential-gcr %s", action, err, action)
	}
	return err
}

func storeInputError(err error) error {
	return fmt.Errorf("store: %w; it reads one credential as JSON on stdin, as docker login sends it: %s; to log in, run docker login HOST", err, storeExample)
}
