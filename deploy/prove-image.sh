#!/usr/bin/env bash
# Builds the image and proves it runs, then proves the compose stack. CI runs this; so can
# anyone with a Docker engine, or root on Debian (it then installs one and starts its own).
#
#   deploy/prove-image.sh
#
# 1. The image: PostgreSQL in a container, the one-shot `incidents migrate` container, the
#    API container on a port of its own (INCIDENTS_PORT) until its HEALTHCHECK says healthy,
#    a key made with `incidents keys create` inside it, an incident created and listed over
#    HTTP, then SIGTERM (`docker stop`) and exit code 0.
# 2. compose.yaml with deploy/compose.host-network.yaml: `up --wait` (the api service
#    healthy), a key, an incident, `down`.
# Every container uses the host's network (--network=host), as bridge networks are not
# available on every machine this runs on.
#
# Where no Docker engine answers, it installs Debian's docker.io and mmdebstrap (and Compose
# v2 from a newer Debian release when `docker compose` is missing) and starts a private
# dockerd, stopped again at exit. With that private engine no registry is assumed: the
# Dockerfile's base image is built from Debian's packages (mmdebstrap: python3, python3-venv,
# ca-certificates and the host's CA bundle) and tagged as the Dockerfile's FROM, and
# postgres:15 is a stand-in built from Debian's PostgreSQL 15 (deploy/stand-in/). Set
# INCIDENTS_IMAGE_BASE=pull to pull the official images instead, or =debian to build them
# from Debian's packages on any engine.
#
# It skips (exit 0, with the reason) where no engine answers and none can be installed
# (not root, or no apt-get); with CI=true that is a failure instead.
set -euo pipefail
cd "$(dirname "$0")/.."

PROJECT=incidents-proof
IMAGE=incidents:latest
POSTGRES_PORT="${INCIDENTS_PROOF_POSTGRES_PORT:-55432}"
API_PORT="${INCIDENTS_PROOF_API_PORT:-18000}"
PASSWORD=proof-password
DATABASE_URL="postgresql+asyncpg://incidents:$PASSWORD@127.0.0.1:$POSTGRES_PORT/incidents"
API="http://127.0.0.1:$API_PORT"
PRIVATE=/run/incidents-image-proof
export DOCKER_BUILDKIT=0 # the classic builder: BuildKit fetches its frontend from a registry
export INCIDENTS_PROOF_POSTGRES_PORT="$POSTGRES_PORT" INCIDENTS_PROOF_API_PORT="$API_PORT"
export POSTGRES_PASSWORD="$PASSWORD"

started=$SECONDS
passed=0
step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }
ok() {
    passed=$((passed + 1))
    printf 'ok: %s\n' "$*"
}
fail() {
    printf 'FAILED: %s\n' "$*" >&2
    printf 'image proof: %s passed, 1 failed\n' "$passed"
    exit 1
}
skip() {
    if [ "${CI:-}" = true ]; then
        fail "$*"
    fi
    printf 'image proof skipped: %s\n' "$*"
    exit 0
}

# --- an engine -------------------------------------------------------------------------

install_debian_packages() {
    local missing=()
    for package in "$@"; do
        dpkg -s "$package" > /dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Compose v2 is Debian's docker-compose package from trixie on (bookworm's is v1): fetched
# with apt from that release's archive alone, without adding it to the machine's sources.
install_compose_v2() {
    local lists
    lists="$(mktemp -d)"
    mkdir -p "$lists/lists/partial" "$lists/cache/archives/partial"
    echo 'deb http://deb.debian.org/debian trixie main' > "$lists/sources.list"
    local options=(-o "Dir::Etc::SourceList=$lists/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$lists/lists" -o "Dir::Cache=$lists/cache" -o Acquire::Languages=none)
    apt-get "${options[@]}" update -q
    (cd "$lists" && apt-get "${options[@]}" download docker-compose)
    dpkg -i "$lists"/docker-compose_*.deb
    rm -rf "$lists"
}

private_dockerd=
data_root=
stop_private_dockerd() {
    [ -n "$private_dockerd" ] || return 0
    kill "$private_dockerd" 2> /dev/null || true
    wait "$private_dockerd" 2> /dev/null || true
    rm -rf "$data_root"
}

# Its own socket and a fresh data folder, removed at exit: it meets no other engine's state.
start_private_dockerd() {
    mkdir -p "$PRIVATE"
    data_root="$(mktemp -d /var/tmp/incidents-image-proof.XXXXXX)"
    dockerd --host "unix://$PRIVATE/docker.sock" --data-root "$data_root" \
        --exec-root "$PRIVATE/exec" --pidfile "$PRIVATE/dockerd.pid" \
        --iptables=false --ip-masq=false --bridge=none > "$PRIVATE/dockerd.log" 2>&1 &
    private_dockerd=$!
    export DOCKER_HOST="unix://$PRIVATE/docker.sock"
    for _ in $(seq 60); do
        docker info > /dev/null 2>&1 && return
        kill -0 "$private_dockerd" 2> /dev/null || break
        sleep 0.5
    done
    cat "$PRIVATE/dockerd.log" >&2
    fail "dockerd did not start"
}

step "engine"
if docker info > /dev/null 2>&1; then
    base="${INCIDENTS_IMAGE_BASE:-pull}"
    echo "using the running Docker engine"
else
    if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
        skip "no Docker engine answers, and without root and apt-get none can be installed here"
    fi
    install_debian_packages docker.io mmdebstrap
    docker compose version > /dev/null 2>&1 || install_compose_v2
    start_private_dockerd
    base="${INCIDENTS_IMAGE_BASE:-debian}"
    echo "started a private dockerd ($DOCKER_HOST)"
fi
docker compose version > /dev/null 2>&1 || skip "Docker Compose v2 (docker compose) is missing"

cleanup() {
    docker compose -p "$PROJECT" -f compose.yaml -f deploy/compose.host-network.yaml \
        down --volumes --timeout 5 > /dev/null 2>&1 || true
    docker rm --force --volumes "$PROJECT-api" "$PROJECT-postgres" > /dev/null 2>&1 || true
    stop_private_dockerd
}
trap cleanup EXIT

# --- base images -------------------------------------------------------------------------

from_image="$(sed -n 's/^FROM \([^ ]*\).*/\1/p' Dockerfile | sort -u)"
[ "$(echo "$from_image" | wc -l)" = 1 ] || fail "the Dockerfile's stages use more than one base"

if [ "$base" = debian ]; then
    step "base images from Debian's packages ($from_image, postgres:15)"
    command -v mmdebstrap > /dev/null || install_debian_packages mmdebstrap
    rootfs="$(mktemp -d)"
    # The host's CA bundle, so that pip and uv in the build trust what the host trusts.
    mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,ca-certificates \
        --aptopt='Acquire::Languages "none"' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --customize-hook='upload /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt' \
        bookworm "$rootfs/base.tar" http://deb.debian.org/debian
    docker import --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["python3"]' "$rootfs/base.tar" "$from_image" > /dev/null
    docker tag "$from_image" debian:bookworm-slim
    rm -rf "$rootfs"
    docker build --quiet --network=host --tag postgres:15 \
        --file deploy/stand-in/postgres.Dockerfile deploy/stand-in > /dev/null
    ok "base images built and tagged $from_image, debian:bookworm-slim, postgres:15"
fi

# --- 1. the image ------------------------------------------------------------------------

step "build $IMAGE"
docker build --network=host --tag "$IMAGE" . || fail "docker build"
ok "image built"
packages="$(docker run --rm --network=host "$IMAGE" pip list --format=freeze)"
for tool in pytest mypy ruff; do
    grep -qi "^$tool==" <<< "$packages" && fail "$tool is in the runtime image"
done
ok "no test tools in the image"

wait_healthy() { # container, seconds
    local status
    for _ in $(seq "$2"); do
        status="$(docker inspect --format '{{.State.Health.Status}}' "$1")"
        case "$status" in
            healthy) return 0 ;;
            unhealthy) break ;;
        esac
        if [ "$(docker inspect --format '{{.State.Running}}' "$1")" != true ]; then
            break
        fi
        sleep 1
    done
    docker logs "$1" 2>&1 | tail -30 >&2
    docker inspect --format '{{json .State.Health}}' "$1" >&2
    fail "$1 did not become healthy (last status: ${status:-none})"
}

create_and_list() { # a key's secret; creates an incident and finds it in the list
    local secret="$1" description="image proof $RANDOM" created listed
    created="$(curl --silent --show-error --fail-with-body -H "Authorization: Bearer $secret" \
        -H 'Content-Type: application/json' \
        -d "{\"description\": \"$description\", \"source\": \"operator\"}" \
        "$API/api/v1/incidents")" || fail "create an incident: $created"
    listed="$(curl --silent --show-error --fail-with-body -H "Authorization: Bearer $secret" \
        "$API/api/v1/incidents")" || fail "list incidents: $listed"
    grep -q "$description" <<< "$listed" || fail "the new incident is not listed: $listed"
    ok "incident created and listed over HTTP"
}

key_from() { # the last line of `incidents keys create`, checked for the shape of a secret
    local secret
    secret="$(tail -n 1 <<< "$1" | tr -d '\r')"
    [[ "$secret" =~ ^inc_[0-9a-f]{12}_[A-Za-z0-9_-]+$ ]] || fail "no key was made: $1"
    printf '%s' "$secret"
}

step "PostgreSQL container on port $POSTGRES_PORT"
docker run --detach --name "$PROJECT-postgres" --network=host \
    -e POSTGRES_USER=incidents -e POSTGRES_PASSWORD="$PASSWORD" -e POSTGRES_DB=incidents \
    postgres:15 postgres -p "$POSTGRES_PORT" -c listen_addresses=127.0.0.1 > /dev/null
for _ in $(seq 60); do
    docker exec "$PROJECT-postgres" pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT" \
        -U incidents -d incidents && break
    sleep 0.5
done
docker exec "$PROJECT-postgres" pg_isready -q -h 127.0.0.1 -p "$POSTGRES_PORT" \
    -U incidents -d incidents || fail "PostgreSQL did not start"
ok "PostgreSQL answers"

step "incidents migrate (one-shot container)"
docker run --rm --network=host -e INCIDENTS_DATABASE_URL="$DATABASE_URL" "$IMAGE" \
    incidents migrate || fail "incidents migrate"
ok "migrated"

step "API container on port $API_PORT, until its HEALTHCHECK says healthy"
docker run --detach --name "$PROJECT-api" --network=host -e INCIDENTS_PORT="$API_PORT" \
    -e INCIDENTS_DATABASE_URL="$DATABASE_URL" "$IMAGE" > /dev/null
wait_healthy "$PROJECT-api" 90
ok "healthy, probed on INCIDENTS_PORT=$API_PORT"

step "a key, an incident"
made="$(docker exec "$PROJECT-api" incidents keys create --name proof --role operator)" \
    || fail "incidents keys create: $made"
secret="$(key_from "$made")"
ok "key made with incidents keys create"
create_and_list "$secret"

step "SIGTERM"
docker stop --time 20 "$PROJECT-api" > /dev/null
code="$(docker inspect --format '{{.State.ExitCode}}' "$PROJECT-api")"
[ "$code" = 0 ] || {
    docker logs "$PROJECT-api" 2>&1 | tail -30 >&2
    fail "the API exited $code on SIGTERM"
}
ok "exit code 0 on SIGTERM"
docker rm --force --volumes "$PROJECT-api" "$PROJECT-postgres" > /dev/null

# --- 2. the compose stack ----------------------------------------------------------------

compose() {
    docker compose -p "$PROJECT" -f compose.yaml -f deploy/compose.host-network.yaml "$@"
}

step "compose up --wait"
compose up --wait --no-build --pull never --quiet-pull || {
    compose ps --all >&2
    compose logs >&2
    fail "compose up --wait"
}
health="$(docker inspect --format '{{.State.Health.Status}}' "$(compose ps --quiet api)")"
[ "$health" = healthy ] || fail "the api service is $health"
ok "compose up --wait: the api service healthy"
made="$(compose exec -T api incidents keys create --name compose-proof --role operator)" \
    || fail "incidents keys create in the api service: $made"
create_and_list "$(key_from "$made")"

step "compose down"
compose down --volumes --timeout 20 || fail "compose down"
ok "compose down"

printf '\nimage proof took %ss\nimage proof: %s passed, 0 failed\n' "$((SECONDS - started))" "$passed"
