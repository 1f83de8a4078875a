#!/usr/bin/env bash
# Uses a running `strata serve` from the shell: set, get, tag invalidation, delete, stats.
# STRATA_URL: the server's address (default http://127.0.0.1:3000); STRATA_TOKEN: its bearer token, if it needs one.
set -euo pipefail

base="${STRATA_URL:-http://127.0.0.1:3000}"
namespace="${STRATA_NAMESPACE:-curl-demo}"
auth=()
if [[ -n "${STRATA_TOKEN:-}" ]]; then auth=(-H "Authorization: Bearer ${STRATA_TOKEN}"); fi

# call METHOD PATH [JSON BODY]: prints the HTTP status, then the response body.
call() {
  local method="$1" path="$2" body="${3:-}"
  local args=(-sS -X "$method" "${auth[@]}" -w '\n%{http_code}' "${base}${path}")
  if [[ -n "$body" ]]; then args+=(-H 'Content-Type: application/json' --data "$body"); fi
  local out
  out="$(curl "${args[@]}")"
  printf '%s %s → %s %s\n' "$method" "$path" "${out##*$'\n'}" "${out%$'\n'*}"
}

call GET /health/ready
call PUT "/v1/ns/${namespace}/keys/product:42" '{"value":{"name":"X200 wireless headphones","price":199},"ttl":"10m","tags":["product:42"]}'
call GET "/v1/ns/${namespace}/keys/product:42"
call POST /v1/invalidate/tags '{"tags":["product:42"]}'
call GET "/v1/ns/${namespace}/keys/product:42"
call PUT "/v1/ns/${namespace}/keys/greeting" '{"value":"hello"}'
call DELETE "/v1/ns/${namespace}/keys/greeting"
call GET "/v1/ns/${namespace}/keys/greeting"
call GET "/v1/ns/${namespace}/stats"
