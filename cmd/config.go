package cmd

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/docker-credential-gcr/docker-credential-gcr/settings"
	"github.com/docker-credential-gcr/docker-credential-gcr/token"
)

type configOptions struct {
	edit     settings.Edit
	unsetAll bool
}

// NewCmdConfig is the existing helper's settings command.
func NewCmdConfig(a *appRef) *cobra.Command {
	o := &configOptions{}
	c := &cobra.Command{
		Use:   "config",
		Short: "Show or change the helper's settings (token source order, files, impersonation, a registry's own identity)",
		Example: `  docker-credential-gcr config --token-source="env, gcloud"
  docker-credential-gcr config --impersonate-service-account=ci@my-project.iam.gserviceaccount.com
  docker-credential-gcr config --workload-identity-provider=projects/123456789012/locations/global/workloadIdentityPools/ci-pool/providers/github
  docker-credential-gcr config --registry=europe-west1-docker.pkg.dev --impersonate-service-account=eu@my-project.iam.gserviceaccount.com
  docker-credential-gcr config --registry=gcr.io --impersonate-service-account=none   # gcr.io: no impersonation
  docker-credential-gcr config --registry=europe-west1-docker.pkg.dev --unset-all
  docker-credential-gcr config --unset-all
  docker-credential-gcr config            # print the settings file, registry_overrides included`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.edit.Set = func(name string) bool { return cmd.Flags().Changed(name) }
			return a.Config(cmd.OutOrStdout(), o.unsetAll, o.edit)
		},
	}
	f := c.Flags()
	f.StringVar(&o.edit.TokenSource, "token-source", "", "token source order, comma-separated: "+settings.SourceHelp())
	f.StringVar(&o.edit.TokenFile, "token-file", "", "file holding an access token")
	f.StringVar(&o.edit.CredentialsFile, "credentials-file", "", "credential JSON file (raw or base64)")
	f.StringVar(&o.edit.Impersonate, "impersonate-service-account", "", "service account to impersonate (A,B,TARGET for delegates); with --registry, none: no impersonation for that registry")
	f.StringVar(&o.edit.MetadataAccount, "metadata-account", "", "metadata server service account (default: default)")
	f.StringVar(&o.edit.Universe, "universe-domain", "", "universe domain of registered custom hosts (default googleapis.com)")
	f.StringVar(&o.edit.Provider, "workload-identity-provider", "", "workload identity pool provider for the oidc source and the kubelet's pod identity (projects/NUM/locations/global/workloadIdentityPools/POOL/providers/PROV)")
	f.StringVar(&o.edit.OIDCAudience, "oidc-audience", "", "aud of the OIDC token asked of GitHub Actions (default https://iam.UNIVERSE/ + the provider's name)")
	f.StringVar(&o.edit.Registry, "registry", "", "give this registry host[:port] its own settings: --token-source, --credentials-file, --impersonate-service-account, --workload-identity-provider (with --unset-all: remove them)")
	f.BoolVar(&o.unsetAll, "unset-all", false, "reset every setting to its default (with --registry: that registry's own settings)")
	c.RegisterFlagCompletionFunc("token-source", completeList(append(slices.Clone(token.DefaultSources), "env", settings.SourceStore)))
	return c
}

// completeList completes a comma-separated list of values: the values not
// yet in it, after what was typed up to the last comma.
func completeList(values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		typed := toComplete[:strings.LastIndex(toComplete, ",")+1]
		used := map[string]bool{}
		for _, v := range strings.Split(typed, ",") {
			used[strings.TrimSpace(v)] = true
		}
		var out []string
		for _, v := range values {
			if !used[v] {
				out = append(out, typed+v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
}
