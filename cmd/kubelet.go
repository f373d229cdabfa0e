package cmd

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/kubelet"
)

// NewCmdKubeletCredentialProvider is the kubelet's image credential
// provider plugin: one CredentialProviderRequest on stdin, one
// CredentialProviderResponse on stdout.
func NewCmdKubeletCredentialProvider(a *appRef) *cobra.Command {
	return &cobra.Command{
		Use:   kubelet.PluginCommand,
		Short: "Answer the kubelet's CredentialProviderRequest on stdin (image credential provider plugin)",
		Long: `Run by the kubelet as an image credential provider plugin
(credentialprovider.kubelet.k8s.io/v1): reads a CredentialProviderRequest on
stdin and writes a CredentialProviderResponse with an oauth2accesstoken
credential for an image on a Google registry (the node's identity, through
the same token sources and cache as get), or no credentials for any other
image. Install it with the config that kubelet-credential-provider-config
prints.`,
		Example: `  echo '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"us-east1-docker.pkg.dev/my-project/repo/app:v1"}' | docker-credential-gcr ` + kubelet.PluginCommand,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.ServeKubelet(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}

type kubeletConfigOptions struct {
	output        string
	cacheDuration time.Duration
}

// NewCmdKubeletConfig prints the CredentialProviderConfig that installs the
// plugin.
func NewCmdKubeletConfig(a *appRef) *cobra.Command {
	o := &kubeletConfigOptions{}
	c := &cobra.Command{
		Use:   "kubelet-credential-provider-config",
		Short: "Print the kubelet CredentialProviderConfig that installs the plugin",
		Long: `Prints the CredentialProviderConfig (kubelet.config.k8s.io/v1) for the
kubelet's --image-credential-provider-config: this binary, installed as
docker-credential-gcr in --image-credential-provider-bin-dir, serves the
Google registries and the hosts registered with configure-docker.`,
		Example: `  docker-credential-gcr kubelet-credential-provider-config > /etc/kubernetes/credential-provider.yaml
  docker-credential-gcr kubelet-credential-provider-config --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.KubeletConfig(cmd.OutOrStdout(), o.output, o.cacheDuration)
		},
	}
	c.Flags().StringVarP(&o.output, "output", "o", kubelet.OutputYAML, "yaml or json (the kubelet reads both)")
	c.Flags().DurationVar(&o.cacheDuration, "cache-duration", kubelet.DefaultCacheDuration, "defaultCacheDuration: how long the kubelet keeps an answer that names no duration (answers with a token carry its remaining life)")
	return c
}
