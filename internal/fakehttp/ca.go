package fakehttp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"sync"
	"time"
)

// CA is a throwaway self-signed certificate authority: an ECDSA P-256 key
// and a certificate valid from an hour ago for 30 days.
type CA struct {
	Key  *ecdsa.PrivateKey
	Cert *x509.Certificate
	PEM  []byte // Cert in PEM, for a trust bundle

	leafKey func() (*ecdsa.PrivateKey, error)
}

// NewCA makes a CA named commonName.
func NewCA(commonName string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("fakehttp: generate the key of %s: %w", commonName, err)
	}
	tmpl := template(commonName)
	tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	tmpl.KeyUsage |= x509.KeyUsageCertSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("fakehttp: create %s: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("fakehttp: create %s: %w", commonName, err)
	}
	return &CA{
		Key:  key,
		Cert: cert,
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		leafKey: sync.OnceValues(func() (*ecdsa.PrivateKey, error) {
			return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}),
	}, nil
}

// Leaf mints a server certificate for host (a name or an IP address),
// signed by c, with the chain [leaf, c]. Every leaf of c shares one key:
// minting one costs a signature, not a key generation.
func (c *CA) Leaf(host string) (tls.Certificate, error) {
	key, err := c.leafKey()
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakehttp: generate the leaf key: %w", err)
	}
	tmpl := template(host)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.Key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("fakehttp: mint a certificate for %s: %w", host, err)
	}
	return tls.Certificate{Certificate: [][]byte{der, c.Cert.Raw}, PrivateKey: key}, nil
}

// template is what every certificate of a CA has: a random serial, the
// name, a validity from an hour ago (clock skew) for 30 days, and use for
// signatures.
func template(commonName string) *x509.Certificate {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
}
