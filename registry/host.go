package registry

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// NormalizeHost reduces a server URL, in any of the forms docker and its
// peers send ("host", "host:port", "https://host/", "https://host/v1/",
// "host/project/repo"), to a lower-case host[:port].
func NormalizeHost(serverURL string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(serverURL))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "", errors.New("empty registry host")
	}
	if strings.Contains(s, "@") {
		return "", fmt.Errorf("registry host %q has user information; give the bare host", s)
	}
	host, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		host, port = h, p
	} else if strings.Count(s, ":") == 1 {
		return "", fmt.Errorf("registry host %q has an invalid port", s)
	}
	host = strings.TrimSuffix(host, ".")
	if err := validHostname(host); err != nil {
		return "", err
	}
	if port != "" {
		if !allDigits(port) || len(port) > 5 {
			return "", fmt.Errorf("registry host %q has an invalid port", s)
		}
		return net.JoinHostPort(host, port), nil
	}
	return host, nil
}

func validHostname(h string) error {
	if h == "" {
		return errors.New("empty registry host")
	}
	if strings.HasPrefix(h, "[") {
		if strings.HasSuffix(h, "]") && net.ParseIP(h[1:len(h)-1]) != nil {
			return nil // bracketed IPv6 literal
		}
		return fmt.Errorf("registry host %q is not a valid IPv6 literal", h)
	}
	if net.ParseIP(h) != nil {
		return nil // IP literal, e.g. a local registry
	}
	if len(h) > 253 {
		return fmt.Errorf("registry host %q is too long", h)
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("registry host %q has an empty or over-long label", h)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("registry host %q contains %q; a host has only letters, digits, '-' and '.'", h, c)
			}
		}
	}
	return nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// hostname returns host without its port.
func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// Universe reports whether host (normalised) is a Google registry host, on
// any port, and the universe domain whose tokens it accepts. Only the
// patterns of the table match (see Patterns).
func Universe(host string) (string, bool) {
	h := hostname(host)
	for _, p := range patterns {
		if p.match(h) {
			return p.Universe, true
		}
	}
	return "", false
}

// Lookup reports whether host (normalised) is served Google tokens, and of
// which universe: a Google registry host on any port, or one of custom
// (host[:port] -> universe, the hosts the user registered with
// configure-docker --allow-custom-host) exactly as registered, since
// another port of the same name may be another service.
func Lookup(host string, custom map[string]string) (string, bool) {
	if u, ok := Universe(host); ok {
		return u, true
	}
	u, ok := custom[host]
	return u, ok
}

// Custom maps the hosts the user registered to universe (googleapis.com
// when empty), normalised; a host that does not normalise is left out.
func Custom(hosts []string, universe string) map[string]string {
	if universe == "" {
		universe = UniverseGoogle
	}
	m := make(map[string]string, len(hosts))
	for _, r := range hosts {
		if h, err := NormalizeHost(r); err == nil {
			m[h] = universe
		}
	}
	return m
}

// oneLabelUnder reports whether h is exactly one DNS label followed by suffix.
func oneLabelUnder(h, suffix string) bool {
	label, ok := strings.CutSuffix(h, suffix)
	return ok && isLabel(label)
}

// locationLabel reports whether h ends with suffix and what precedes it is a
// location name: lower-case letters and digits in dash-separated words
// ("us", "us-east1", "europe-west10"), which rules out punycode ("xn--").
func locationLabel(loc, h, suffix string) bool {
	if !strings.HasSuffix(h, suffix) || loc == "" || strings.Contains(loc, ".") {
		return false
	}
	for _, w := range strings.Split(loc, "-") {
		if w == "" || !isLabel(w) {
			return false
		}
	}
	return loc[0] >= 'a' && loc[0] <= 'z'
}

func isLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' || strings.HasPrefix(s, "xn--") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
