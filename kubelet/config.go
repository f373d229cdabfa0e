package kubelet

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is what the printed CredentialProviderConfig says.
type Config struct {
	// Name is the plugin's file name in --image-credential-provider-bin-dir.
	Name string
	// MatchImages are the images the kubelet asks the plugin about.
	MatchImages []string
	// CacheDuration is the provider's defaultCacheDuration.
	CacheDuration time.Duration
	// Pod, when set, makes the kubelet send each pod's service-account
	// token (tokenAttributes) and carries the plugin's settings in env.
	Pod *PodConfig
}

// PodConfig is the per-pod part of the provider entry.
type PodConfig struct {
	// Identity is IdentityAnnotated or IdentityPod.
	Identity Identity
	// Audience is serviceAccountTokenAudience: the aud of the tokens the
	// kubelet requests for pods, and the RBAC resource nodes need.
	Audience string
	// Env are the settings the plugin runs with, in order.
	Env []EnvVar
	// KubeletMinor is the kubelet's minor version (1.MINOR); 0 is 1.34 or
	// later. A 1.33 kubelet has no cacheType and decodes its config
	// strictly, so the field is left out for it.
	KubeletMinor int
}

// EnvVar is an environment variable of the provider entry.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// CacheTypeServiceAccount is the tokenAttributes.cacheType printed: the
// kubelet shares an answer among the pods of one service account for its
// cacheDuration, which never outlives the token (docs/kubernetes.md, "Which
// cacheType").
const CacheTypeServiceAccount = "ServiceAccount"

// MinKubeletMinor is the first kubelet with service-account tokens for
// credential providers (KEP-4412, alpha in 1.33), and the one without
// tokenAttributes.cacheType.
const MinKubeletMinor = 33

// tokenAttributes is kubelet.config.k8s.io/v1 ServiceAccountTokenAttributes.
type tokenAttributes struct {
	ServiceAccountTokenAudience          string   `json:"serviceAccountTokenAudience"`
	CacheType                            string   `json:"cacheType,omitempty"`
	RequireServiceAccount                bool     `json:"requireServiceAccount"`
	OptionalServiceAccountAnnotationKeys []string `json:"optionalServiceAccountAnnotationKeys,omitempty"`
}

// tokenAttributes: a pod mode requires a service account (a pod without
// one, such as a static pod, gets no credentials rather than the node's);
// annotated lets the kubelet call the plugin for it without a token (the
// node pulls). Only the annotation keys the mode reads are listed, as the
// kubelet puts their values in its cache key.
func (c *PodConfig) tokenAttributes() tokenAttributes {
	t := tokenAttributes{
		ServiceAccountTokenAudience:          c.Audience,
		CacheType:                            CacheTypeServiceAccount,
		RequireServiceAccount:                c.Identity == IdentityPod,
		OptionalServiceAccountAnnotationKeys: []string{AnnotationServiceAccount},
	}
	if c.Identity == IdentityAnnotated {
		t.OptionalServiceAccountAnnotationKeys = append(t.OptionalServiceAccountAnnotationKeys, AnnotationEnableImagePull)
	}
	if c.KubeletMinor == MinKubeletMinor {
		t.CacheType = ""
	}
	return t
}

// Format renders the CredentialProviderConfig as YAML (a stable,
// hand-written layout) or JSON; the kubelet reads either.
func (c Config) Format(format string) (string, error) {
	if c.CacheDuration < 0 {
		return "", fmt.Errorf("cache duration %s is negative; give a duration such as 55m", c.CacheDuration)
	}
	if c.Pod != nil && c.Pod.Audience == "" {
		return "", fmt.Errorf("per-pod identity needs a token audience")
	}
	switch format {
	case OutputYAML, "":
		var b strings.Builder
		fmt.Fprintf(&b, "# Install as the kubelet's --image-credential-provider-config, with this binary\n")
		fmt.Fprintf(&b, "# as %s in its --image-credential-provider-bin-dir.\n", c.Name)
		if c.Pod != nil {
			fmt.Fprintf(&b, "# Nodes must be allowed to request tokens for the audience: apply the output of\n")
			fmt.Fprintf(&b, "# this command with --rbac once per cluster.\n")
			if c.Pod.KubeletMinor == MinKubeletMinor {
				fmt.Fprintf(&b, "# Kubernetes 1.33: start the kubelet with\n")
				fmt.Fprintf(&b, "# --feature-gates=KubeletServiceAccountTokenForCredentialProviders=true;\n")
				fmt.Fprintf(&b, "# this config has no cacheType, which 1.33 does not know and 1.34 requires.\n")
			}
		}
		fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nproviders:\n", ConfigAPIVersion, kindConfig)
		fmt.Fprintf(&b, "  - name: %s\n", yamlString(c.Name))
		fmt.Fprintf(&b, "    apiVersion: %s\n", ProviderAPIVersion)
		fmt.Fprintf(&b, "    args:\n      - %s\n", PluginCommand)
		fmt.Fprintf(&b, "    matchImages:\n")
		for _, m := range c.MatchImages {
			fmt.Fprintf(&b, "      - %s\n", yamlString(m))
		}
		fmt.Fprintf(&b, "    defaultCacheDuration: %s\n", yamlString(c.CacheDuration.String()))
		if c.Pod != nil {
			t := c.Pod.tokenAttributes()
			fmt.Fprintf(&b, "    tokenAttributes:\n")
			fmt.Fprintf(&b, "      serviceAccountTokenAudience: %s\n", yamlString(t.ServiceAccountTokenAudience))
			if t.CacheType != "" {
				fmt.Fprintf(&b, "      cacheType: %s\n", t.CacheType)
			}
			fmt.Fprintf(&b, "      requireServiceAccount: %t\n", t.RequireServiceAccount)
			fmt.Fprintf(&b, "      optionalServiceAccountAnnotationKeys:\n")
			for _, k := range t.OptionalServiceAccountAnnotationKeys {
				fmt.Fprintf(&b, "        - %s\n", yamlString(k))
			}
			if len(c.Pod.Env) > 0 {
				fmt.Fprintf(&b, "    env:\n")
				for _, e := range c.Pod.Env {
					fmt.Fprintf(&b, "      - name: %s\n        value: %s\n", e.Name, yamlString(e.Value))
				}
			}
		}
		return b.String(), nil
	case OutputJSON:
		type provider struct {
			Name                 string           `json:"name"`
			APIVersion           string           `json:"apiVersion"`
			Args                 []string         `json:"args"`
			MatchImages          []string         `json:"matchImages"`
			DefaultCacheDuration string           `json:"defaultCacheDuration"`
			TokenAttributes      *tokenAttributes `json:"tokenAttributes,omitempty"`
			Env                  []EnvVar         `json:"env,omitempty"`
		}
		p := provider{
			Name:                 c.Name,
			APIVersion:           ProviderAPIVersion,
			Args:                 []string{PluginCommand},
			MatchImages:          c.MatchImages,
			DefaultCacheDuration: c.CacheDuration.String(),
		}
		if c.Pod != nil {
			t := c.Pod.tokenAttributes()
			p.TokenAttributes, p.Env = &t, c.Pod.Env
		}
		v := struct {
			APIVersion string     `json:"apiVersion"`
			Kind       string     `json:"kind"`
			Providers  []provider `json:"providers"`
		}{ConfigAPIVersion, kindConfig, []provider{p}}
		b, err := json.MarshalIndent(v, "", "  ")
		return string(b) + "\n", err
	}
	return "", fmt.Errorf("unknown output %q; use %s or %s", format, OutputYAML, OutputJSON)
}

// yamlString quotes s as a YAML double-quoted scalar (a JSON string is one):
// a bare '*' would start a YAML alias.
func yamlString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// ParseKubeletVersion reads a kubelet version ("1.33", "v1.34.2",
// "v1.33.5-gke.1") and returns its minor number: 1.x only.
func ParseKubeletVersion(v string) (minor int, err error) {
	s := strings.TrimPrefix(strings.TrimSpace(v), "v")
	major, rest, ok := strings.Cut(s, ".")
	m, _, _ := strings.Cut(rest, ".")
	m, _, _ = strings.Cut(m, "-")
	minor, err = strconv.Atoi(m)
	if !ok || major != "1" || err != nil || minor < 0 || minor > 999 {
		return 0, fmt.Errorf("kubelet version %q is not 1.MINOR (such as 1.33 or v1.34.2); `kubelet --version` prints it", truncate(v, 32))
	}
	return minor, nil
}
