# Sourced by scripts/bootstrap.sh and scripts/cluster/install.sh (they define `step`).
# unpack_debian_packages <dir> <package>...: downloads Debian's packages into <dir>/debs and unpacks them into
# <dir>/root, without root and without installing anything system-wide. apt-get's package lists are refreshed
# once when a download fails (as root only; otherwise it says what to run).
unpack_debian_packages() {
  local dir=$1
  shift
  local debs="$dir/debs"
  rm -rf "$dir" && mkdir -p "$debs"
  download() { (cd "$debs" && apt-get download "$@" >/dev/null 2>&1); }
  if ! download "$@"; then
    if [ "$(id -u)" = 0 ]; then apt-get update >&2 && download "$@"; else step "apt-get download failed: run 'sudo apt-get update' once"; exit 1; fi
  fi
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
}
