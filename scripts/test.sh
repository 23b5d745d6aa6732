#!/usr/bin/env bash
# `npm test` after the bootstrap. `npm test -- <files>` runs just those files with mocha. With no files: typecheck,
# lint, then each layer in its own mocha process (its servers, workers and connections end with it), every layer
# even after one fails, then the workflow and e2e session tests again with no workflow cache.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

if [ $# -gt 0 ]; then exec mocha "$@"; fi

npm run --silent typecheck || exit 1
npm run --silent lint || exit 1

# test:e2e ends with test/coverage, which reads what the e2e stacks answered in that same process.
failed=()
for layer in unit workflow replay e2e fuzz nocache; do
  printf '\ntest: npm run test:%s\n' "$layer"
  npm run --silent "test:$layer" || failed+=("$layer")
done
if [ ${#failed[@]} -gt 0 ]; then
  printf '\ntest: failed layers: %s\n' "${failed[*]}"
  exit 1
fi
