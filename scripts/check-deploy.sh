#!/usr/bin/env bash
# Validates the deployment files with the tools that can do it offline, where
# they are installed; each missing tool is reported as skipped, not failed.
# (The Jest tests in test/deploy check the project-specific facts.)
#   docker compose / docker-compose : docker-compose.yml    (apt-get install docker-compose)
#   kubectl kustomize               : k8s/kustomization.yaml
#   node                            : k8s/grafana/*.json parse as JSON
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok       $what"
  else
    echo "FAILED   $what" >&2
    status=1
  fi
}
skip() { echo "skipped  $1 ($2)"; }

if docker compose version >/dev/null 2>&1; then
  check "docker-compose.yml (docker compose config)" docker compose -f docker-compose.yml config -q
elif command -v docker-compose >/dev/null 2>&1; then
  check "docker-compose.yml (docker-compose config)" docker-compose -f docker-compose.yml config -q
else
  skip "docker-compose.yml" "neither docker compose nor docker-compose is installed"
fi

if command -v kubectl >/dev/null 2>&1; then
  check "k8s/ (kubectl kustomize)" sh -c 'kubectl kustomize k8s >/dev/null'
else
  skip "k8s/" "kubectl is not installed"
fi

for dashboard in k8s/grafana/*.json; do
  check "$dashboard (JSON)" node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$dashboard"
done

exit "$status"
