#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: idempotent, quiet
# when everything is there. Debian packages when root; Go tools at pinned
# versions into ./.tools/bin (put first on PATH by the Makefile). The e2e
# suite's clients: the docker CLI, crane, skopeo, podman (Debian's), regctl,
# oras, helm and docker buildx (a docker CLI plugin; the suite links it into
# each test user's $DOCKER_CONFIG/cli-plugins).
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS_BIN="$PWD/.tools/bin"

need_pkgs=()
need() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
need docker-registry docker-registry
need skopeo skopeo
need podman podman
need htpasswd apache2-utils
need gnome-keyring-daemon gnome-keyring
need dbus-run-session dbus
need secret-tool libsecret-tools

# The Windows end-to-end test (e2e/wine) runs the windows/amd64 binary under
# wine and builds wine's missing bcryptprimitives.dll with mingw-w64. Without
# recommends: wine64 recommends wine32, which needs the i386 architecture.
need_lean=()
command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ] || need_lean+=(wine64)
command -v wine >/dev/null 2>&1 || need_lean+=(wine)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need_lean+=(gcc-mingw-w64-x86-64-win32)

if [ ${#need_pkgs[@]} -gt 0 ] || [ ${#need_lean[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian packages: ${need_pkgs[*]} ${need_lean[*]}" >&2
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    if [ ${#need_pkgs[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_pkgs[@]}" >/dev/null
    fi
    if [ ${#need_lean[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need_lean[@]}" >/dev/null
    fi
  else
    [ ${#need_pkgs[@]} -eq 0 ] || echo "missing tools; install with: sudo apt-get install -y ${need_pkgs[*]}" >&2
    [ ${#need_lean[@]} -eq 0 ] || echo "missing tools for the Windows test (wine); install with: sudo apt-get install -y --no-install-recommends ${need_lean[*]}" >&2
  fi
fi

# The docker CLI 28 (client-side login with no daemon) and gcloud with
# docker-credential-gcloud come with this kind of machine: Debian's docker.io
# is 20.10, whose login needs a daemon, and gcloud's apt repository is not
# reachable from here. Say so plainly when they are missing; the e2e suite
# then fails in CI rather than skip.
command -v docker >/dev/null 2>&1 || echo "missing: the docker CLI (28.x; its client-side login needs no daemon): install Docker's static client from download.docker.com into PATH" >&2
command -v gcloud >/dev/null 2>&1 || echo "missing: gcloud (Google Cloud CLI, with docker-credential-gcloud): install google-cloud-cli from packages.cloud.google.com" >&2

# go_tool NAME PACKAGE VERSION installs PACKAGE@VERSION as $TOOLS_BIN/NAME
# unless the binary there was built from that module version (go version -m
# reads what Go stamped into it).
go_tool() {
  local name=$1 pkg=$2 version=$3
  if [ -x "$TOOLS_BIN/$name" ] && go version -m "$TOOLS_BIN/$name" 2>/dev/null | awk '$1 == "mod" { print $3 }' | grep -qx "$version"; then
    return
  fi
  echo "installing $name $version into $TOOLS_BIN" >&2
  GOBIN="$TOOLS_BIN" go install "$pkg@$version"
}
go_tool crane github.com/google/go-containerregistry/cmd/crane v0.22.1
go_tool regctl github.com/regclient/regclient/cmd/regctl v0.11.7
go_tool oras oras.land/oras/cmd/oras v1.3.6
go_tool helm helm.sh/helm/v3/cmd/helm v3.22.0
go_tool buildx github.com/docker/buildx/cmd/buildx v0.38.2
