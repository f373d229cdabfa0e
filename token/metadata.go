package token

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"cloud.google.com/go/compute/metadata"
)

// metadataSource asks the VM metadata server (GCE, GKE, Cloud Run) for its
// service account's token. cloud.google.com/go/compute/metadata honours
// GCE_METADATA_HOST; without it, the library probes the metadata server.
type metadataSource struct{}

func (metadataSource) name() string { return SourceMetadata }

func (metadataSource) resolve(_ context.Context, o *Options, universe string) (*configured, error) {
	account := o.MetadataAccount
	if account == "" {
		account = "default"
	}
	return &configured{
		tokenSource: metadataTokens{o: o, account: account, want: universe},
		name:        SourceMetadata,
		identity:    "metadata service account " + account,
		universe:    "", // the server tells
		key:         []string{"account=" + account},
	}, nil
}

// metadataTokens asks the metadata server for account's token, when it is
// in universe want ("" for any).
type metadataTokens struct {
	o             *Options
	account, want string
}

func (m metadataTokens) Token(ctx context.Context) (*Token, error) {
	c := metadata.NewClient(m.o.httpClient())
	if m.o.getenv("GCE_METADATA_HOST") == "" && !c.OnGCEWithContext(ctx) {
		// The probe may take seconds (a black-holed address, a slow DNS):
		// noted, so that the next gets skip it.
		return nil, &unreachableError{notConfigured("not on Google Cloud (no metadata server answered; GCE_METADATA_HOST is not set)")}
	}
	return metadataToken(ctx, c, m.account, m.want)
}

// metadataToken asks for the universe first, so that a token is never
// minted for a registry of another universe.
func metadataToken(ctx context.Context, c *metadata.Client, account, want string) (*Token, error) {
	universe := DefaultUniverse
	u, err := c.GetWithContext(ctx, "universe/universe-domain")
	var nd metadata.NotDefinedError
	switch {
	case err == nil && strings.TrimSpace(u) != "":
		universe = strings.TrimSpace(u)
		if !domainName(universe) {
			return nil, errors.New("the metadata server's universe-domain answer is not a domain name; is GCE_METADATA_HOST a metadata server?")
		}
	case err != nil && !errors.As(err, &nd):
		return nil, describeMetadataError(err) // unreachable: do not retry for the token too
	}
	if want != "" && universe != want {
		return nil, &universeError{what: "the metadata server is in", got: universe, want: want}
	}
	acct := url.PathEscape(account)
	email := make(chan string, 1) // asked alongside the token: it only names the identity
	go func() {
		e, _ := c.EmailWithContext(ctx, account)
		email <- strings.TrimSpace(e)
	}()
	body, err := c.GetWithContext(ctx, "instance/service-accounts/"+acct+"/token?scopes="+url.QueryEscape(Scope))
	if err != nil {
		var nd metadata.NotDefinedError
		if errors.As(err, &nd) {
			return nil, withHint(fmt.Errorf("the metadata server has no service account %q", account),
				"attach a service account to the VM or set metadata_account with `docker-credential-gcr config`")
		}
		return nil, describeMetadataError(err)
	}
	var r struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil || r.AccessToken == "" {
		return nil, errors.New("metadata server token: the answer is not a token JSON")
	}
	t := &Token{AccessToken: r.AccessToken, Expiry: time.Now().Add(time.Duration(r.ExpiresIn) * time.Second)}
	t.Identity = <-email
	t.Universe = universe
	return t, nil
}

// describeMetadataError keeps the status code and drops the body and URL.
func describeMetadataError(err error) error {
	var me *metadata.Error
	if errors.As(err, &me) {
		return fmt.Errorf("metadata server token request failed: HTTP %d", me.Code)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &unreachableError{fmt.Errorf("metadata server unreachable: %w", ue.Err)}
	}
	return err
}

// domainName reports whether s is a plausible DNS name ("googleapis.com").
func domainName(s string) bool {
	if len(s) > 253 || !strings.Contains(s, ".") {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
