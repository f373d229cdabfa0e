#!/usr/bin/env bash
# Installs what the test suite needs when it is missing: idempotent, quiet
# when everything is there. Debian packages when root; Go tools at pinned
# versions into ./.tools/bin (put first on PATH by the Makefile).
set -euo pipefail
cd "$(dirname "$0")/.."

CRANE_VERSION=v0.22.1
TOOLS_BIN="$PWD/.tools/bin"

need_pkgs=()
need() { command -v "$1" >/dev/null 2>&1 || need_pkgs+=("$2"); }
need docker-registry docker-registry
need skopeo skopeo
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
    apt-get update -qq >/dev/null
    if [ ${#need_pkgs[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
    fi
    if [ ${#need_lean[@]} -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_lean[@]}" >/dev/null
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

if [ ! -x "$TOOLS_BIN/crane" ] || ! "$TOOLS_BIN/crane" version 2>/dev/null | grep -q "${CRANE_VERSION#v}"; then
  echo "installing crane $CRANE_VERSION into $TOOLS_BIN" >&2
  GOBIN="$TOOLS_BIN" go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"
fi
