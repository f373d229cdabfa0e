package cmd

import (
	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/internal/app"
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
credential for an image on a Google registry, or no credentials for any other
image. The credential is the node's identity (the same token sources and
cache as get), or, with workload_identity_provider set and a pod's
service-account token in the request, the pod's own: its token exchanged at
the provider's STS, impersonating the Google service account its Kubernetes
service account names (kubelet_identity: node, annotated or pod). A pod that
asked for its own identity and cannot have it gets an error, never the
node's. Install it with the config that kubelet-credential-provider-config
prints.`,
		Example: `  echo '{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"us-east1-docker.pkg.dev/my-project/repo/app:v1"}' | docker-credential-gcr ` + kubelet.PluginCommand,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.ServeKubelet(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}

// NewCmdKubeletConfig prints the CredentialProviderConfig that installs the
// plugin.
func NewCmdKubeletConfig(a *appRef) *cobra.Command {
	o := app.KubeletConfigOptions{}
	c := &cobra.Command{
		Use:   "kubelet-credential-provider-config",
		Short: "Print the kubelet CredentialProviderConfig that installs the plugin",
		Long: `Prints the CredentialProviderConfig (kubelet.config.k8s.io/v1) for the
kubelet's --image-credential-provider-config: this binary, installed as
docker-credential-gcr in --image-credential-provider-bin-dir, serves the
Google registries and the hosts registered with configure-docker.

With --workload-identity-provider (or the workload_identity_provider setting)
pods pull as their own identity (Kubernetes 1.33+, KEP-4412): the provider
entry gets tokenAttributes, so that the kubelet sends each pod's
service-account token for the audience, and an env that carries the settings
to the plugin. --identity=annotated (the default) pulls as the Google service
account that a pod's Kubernetes service account names in
iam.gke.io/gcp-service-account, as its federated principal with
iam.gke.io/enable-wi-image-pull: "true", and as the node otherwise;
--identity=pod pulls every pod as itself. --rbac prints instead the
ClusterRole and ClusterRoleBinding that let nodes request tokens for the
audience (apply it once per cluster); with --service-accounts=NS/NAME,...
a Role and RoleBinding in each namespace that let them request only those
service accounts' tokens. A 1.33 kubelet needs
--kubelet-version=1.33 (its config has no cacheType).`,
		Example: `  docker-credential-gcr kubelet-credential-provider-config > /etc/kubernetes/credential-provider.yaml
  docker-credential-gcr kubelet-credential-provider-config --output json
  docker-credential-gcr kubelet-credential-provider-config \
    --workload-identity-provider=projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod
  docker-credential-gcr kubelet-credential-provider-config \
    --workload-identity-provider=projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod --rbac | kubectl apply -f -
  docker-credential-gcr kubelet-credential-provider-config \
    --workload-identity-provider=projects/123456789012/locations/global/workloadIdentityPools/kubernetes/providers/prod \
    --rbac --service-accounts='shop/frontend,payments/*' | kubectl apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.KubeletConfig(cmd.OutOrStdout(), o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.Output, "output", "o", kubelet.OutputYAML, "yaml or json (the kubelet reads both)")
	f.DurationVar(&o.CacheDuration, "cache-duration", kubelet.DefaultCacheDuration, "defaultCacheDuration: how long the kubelet keeps an answer that names no duration (answers with a token carry its remaining life)")
	f.StringVar(&o.Provider, "workload-identity-provider", "", "pods pull as their own identity, exchanged at this provider: projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV (default: the workload_identity_provider setting)")
	f.StringVar(&o.Identity, "identity", "", "who pods pull as: annotated (default with a provider), pod, or node")
	f.StringVar(&o.Audience, "audience", "", "serviceAccountTokenAudience (default https://iam.UNIVERSE/ + the provider's name, which a provider accepts unless it lists --allowed-audiences)")
	f.StringVar(&o.KubeletVersion, "kubelet-version", "", "the kubelet's version, such as 1.33 (default 1.34 or later); 1.33 gets no cacheType")
	f.StringVar(&o.Name, "name", "", "the provider's name: this binary's file name in the kubelet's bin dir (default docker-credential-gcr; a second entry, for another universe, needs another)")
	f.BoolVar(&o.RBAC, "rbac", false, "print the ClusterRole and ClusterRoleBinding that let nodes request tokens for the audience")
	f.StringVar(&o.ServiceAccounts, "service-accounts", "", "with --rbac: only these service accounts' tokens, NAMESPACE/NAME,... (NAMESPACE/* for all of one): a Role and RoleBinding per namespace; pods of any other service account then pull without credentials")
	c.RegisterFlagCompletionFunc("identity", cobra.FixedCompletions([]string{"annotated", "pod", "node"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}
