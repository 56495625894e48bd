#!/usr/bin/env bash
# Installs the Debian (bookworm) packages aurora-gitops builds and tests with,
# only the ones that are missing. Needs root (or sudo) when something is
# missing; does nothing otherwise.
set -euo pipefail

pkgs=(build-essential cmake pkg-config clang git curl python3
	libyaml-dev libjansson-dev libsodium-dev libcurl4-openssl-dev libssl-dev
	libexpat1-dev libgit2-dev libcmocka-dev clang-format libmicrohttpd-dev
	chromium python3-prometheus-client cmark cmark-gfm openssh-client openssh-server
	clang-tidy cppcheck)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
