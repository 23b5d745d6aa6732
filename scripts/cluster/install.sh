#!/usr/bin/env bash
# Installs what `npm run test:cluster` runs on into .tools/: PostgreSQL from Debian's packages (no root, no service)
# and the Temporal server + its SQL schema tool built from the Go module at the version docker-compose.yml runs.
# Idempotent and silent when all is present; one progress line per step when installing.
set -euo pipefail
cd "$(dirname "$0")/../.."

TEMPORAL_SERVER_VERSION=v1.29.7   # = temporalio/auto-setup:1.29.7 in docker-compose.yml
POSTGRES_MAJOR=15                 # Debian 12's PostgreSQL (the mirror serves its current patch); Temporal's postgres12 plugin wants >= 12
POSTGRES_DEBIAN_PACKAGES="postgresql-$POSTGRES_MAJOR postgresql-client-$POSTGRES_MAJOR libpq5"

TOOLS="$PWD/.tools"
step() { printf 'cluster-install: %s\n' "$*" >&2; }
# shellcheck source=scripts/debian-packages.sh
. scripts/debian-packages.sh

pg="$TOOLS/postgres/$POSTGRES_MAJOR"
if [ ! -x "$pg/bin/postgres" ]; then
  step "installing PostgreSQL $POSTGRES_MAJOR from Debian's packages ($POSTGRES_DEBIAN_PACKAGES) into .tools/postgres"
  # shellcheck disable=SC2086
  unpack_debian_packages "$pg" $POSTGRES_DEBIAN_PACKAGES
  ls "$pg/debs" > "$pg/.packages"
  # Wrappers with paths relative to themselves, so a moved clone keeps working; libpq comes from the unpacked tree.
  mkdir -p "$pg/bin"
  for tool in postgres initdb pg_ctl psql pg_isready; do
    cat > "$pg/bin/$tool" <<WRAP
#!/usr/bin/env bash
root="\$(cd "\$(dirname "\$0")/../root" && pwd)"
LD_LIBRARY_PATH="\$root/usr/lib/x86_64-linux-gnu" exec "\$root/usr/lib/postgresql/$POSTGRES_MAJOR/bin/$tool" "\$@"
WRAP
    chmod +x "$pg/bin/$tool"
  done
  # The server and initdb find share/ (timezones, initdb's templates) relative to their own binary.
  chmod -R a+rX "$pg"
  "$pg/bin/postgres" --version >&2
fi

ts="$TOOLS/temporal-server/${TEMPORAL_SERVER_VERSION#v}"
if [ ! -x "$ts/bin/temporal-server" ] || [ ! -x "$ts/bin/temporal-sql-tool" ]; then
  step "building the Temporal server and SQL tool $TEMPORAL_SERVER_VERSION into .tools/temporal-server (go install; minutes)"
  mkdir -p "$ts/bin"
  started=$(date +%s)
  GOBIN="$ts/bin" GOFLAGS=-buildvcs=false go install "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" >&2
  GOBIN="$ts/bin" GOFLAGS=-buildvcs=false go install "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION" >&2
  mv "$ts/bin/server" "$ts/bin/temporal-server" && mv "$ts/bin/sql" "$ts/bin/temporal-sql-tool"
  # A cold build (module downloads, empty Go build cache) took 2 min 44 s on 2 shared cores; a warm one seconds.
  echo "go install took $(( $(date +%s) - started )) s on $(nproc) cores, $(go version)" > "$ts/.build"
  step "$(cat "$ts/.build")"
fi

# The schema files ship in the module, not in the binaries: copy them next to the binaries.
if [ ! -d "$ts/schema/postgresql/v12" ]; then
  mod=$(go mod download -json "go.temporal.io/server@$TEMPORAL_SERVER_VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  mkdir -p "$ts/schema/postgresql" && cp -r "$mod/schema/postgresql/v12" "$ts/schema/postgresql/" && chmod -R u+w "$ts/schema"
fi
