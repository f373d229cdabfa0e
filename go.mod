module github.com/docker-credential-gcr/docker-credential-gcr

go 1.26.8

require (
	cloud.google.com/go/compute/metadata v0.10.0
	github.com/docker/docker-credential-helpers v0.9.12
	github.com/spf13/cobra v1.10.2
	github.com/zalando/go-keyring v0.2.8
	golang.org/x/oauth2 v0.37.0
	golang.org/x/sys v0.46.0
)

require (
	github.com/danieljoos/wincred v1.2.3 // indirect
	github.com/godbus/dbus/v5 v5.2.2 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
