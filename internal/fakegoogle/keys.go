package fakegoogle

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// keyPool caches RSA keys for the process: generating a 2048-bit key costs
// tens of milliseconds. Each Server takes keys from index 0 on, so keys are
// distinct within a server and reused across servers.
var keyPool struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
}

func pooledKey(i int) (*rsa.PrivateKey, error) {
	keyPool.mu.Lock()
	defer keyPool.mu.Unlock()
	for len(keyPool.keys) <= i {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("fakegoogle: generate key: %w", err)
		}
		keyPool.keys = append(keyPool.keys, k)
	}
	return keyPool.keys[i], nil
}

// registered is a service-account key as the server knows it.
type registered struct {
	email string
	pub   *rsa.PublicKey
}

// serviceAccountKey is a key file in the field order Google writes.
type serviceAccountKey struct {
	Type                    string `json:"type"`
	ProjectID               string `json:"project_id"`
	PrivateKeyID            string `json:"private_key_id"`
	PrivateKey              string `json:"private_key"`
	ClientEmail             string `json:"client_email"`
	ClientID                string `json:"client_id"`
	AuthURI                 string `json:"auth_uri"`
	TokenURI                string `json:"token_uri"`
	AuthProviderX509CertURL string `json:"auth_provider_x509_cert_url"`
	ClientX509CertURL       string `json:"client_x509_cert_url"`
	UniverseDomain          string `json:"universe_domain"`
}

// tokenURL is the OAuth token endpoint written into credential files.
func (s *Server) tokenURL() string {
	if s.opts.RealHosts {
		return realTokenURL
	}
	return s.URL + "/token"
}

// NewServiceAccount generates an RSA-2048 key for email, registers its
// public key and returns a service_account key file whose token_uri is this
// server (Google's real one under Options.RealHosts).
func (s *Server) NewServiceAccount(email string) (keyJSON []byte, err error) {
	return s.newServiceAccount(email, s.tokenURL())
}

// NewServiceAccountForRealHosts is NewServiceAccount with token_uri
// https://oauth2.googleapis.com/token, for serving Handler behind a Proxy.
func (s *Server) NewServiceAccountForRealHosts(email string) (keyJSON []byte, err error) {
	return s.newServiceAccount(email, realTokenURL)
}

func (s *Server) newServiceAccount(email, tokenURI string) ([]byte, error) {
	s.mu.Lock()
	i := s.nkeys
	s.nkeys++
	s.mu.Unlock()
	k, err := pooledKey(i)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("fakegoogle: marshal key: %w", err)
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	id := make([]byte, 20)
	rand.Read(id)
	key := serviceAccountKey{
		Type:                    "service_account",
		ProjectID:               "fake-project",
		PrivateKeyID:            hex.EncodeToString(id),
		PrivateKey:              string(block),
		ClientEmail:             email,
		ClientID:                digits(21),
		AuthURI:                 "https://accounts.google.com/o/oauth2/auth",
		TokenURI:                tokenURI,
		AuthProviderX509CertURL: "https://www.googleapis.com/oauth2/v1/certs",
		ClientX509CertURL:       "https://www.googleapis.com/robot/v1/metadata/x509/" + strings.ReplaceAll(email, "@", "%40"),
		UniverseDomain:          s.opts.Universe,
	}
	s.mu.Lock()
	s.keys[key.PrivateKeyID] = registered{email: email, pub: &k.PublicKey}
	for line := range strings.Lines(string(block)) {
		if line = strings.TrimSpace(line); !strings.HasPrefix(line, "-----") {
			s.secrets = append(s.secrets, line)
		}
	}
	s.mu.Unlock()
	return json.MarshalIndent(key, "", "  ")
}

// KeyPrincipal returns the email of a service-account key this server
// generated: its private_key_id is registered and its private key matches
// the registered public key.
func (s *Server) KeyPrincipal(keyJSON []byte) (email string, ok bool) {
	var f serviceAccountKey
	if json.Unmarshal(keyJSON, &f) != nil {
		return "", false
	}
	s.mu.Lock()
	reg, ok := s.keys[f.PrivateKeyID]
	s.mu.Unlock()
	if !ok {
		return "", false
	}
	k, err := parseRSAKey([]byte(f.PrivateKey))
	if err != nil || !k.PublicKey.Equal(reg.pub) {
		return "", false
	}
	return reg.email, true
}

// parseRSAKey accepts PKCS#8 or PKCS#1 PEM, as Google's libraries do.
func parseRSAKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}

// authorizedUser is an ADC file as `gcloud auth application-default login`
// writes it, plus token_uri.
type authorizedUser struct {
	Account        string `json:"account"`
	ClientID       string `json:"client_id"`
	ClientSecret   string `json:"client_secret"`
	QuotaProjectID string `json:"quota_project_id"`
	RefreshToken   string `json:"refresh_token"`
	TokenURI       string `json:"token_uri"`
	Type           string `json:"type"`
	UniverseDomain string `json:"universe_domain"`
}

// userScopes are what a user consented to at login.
const userScopes = "openid https://www.googleapis.com/auth/userinfo.email " + cloudPlatform

// NewAuthorizedUser returns an authorized_user ADC file for email with a
// fresh refresh token under this server's OAuth client.
func (s *Server) NewAuthorizedUser(email string) (adcJSON []byte, err error) {
	refresh := "1//0" + randomText() + randomText()
	s.mu.Lock()
	s.users[refresh] = email
	s.secrets = append(s.secrets, refresh)
	s.mu.Unlock()
	return json.MarshalIndent(authorizedUser{
		ClientID:       s.client.id,
		ClientSecret:   s.client.secret,
		QuotaProjectID: "fake-project",
		RefreshToken:   refresh,
		TokenURI:       s.tokenURL(),
		Type:           "authorized_user",
		UniverseDomain: s.opts.Universe,
	}, "", "  ")
}
