#!/usr/bin/env bash
# A one-machine Slurm cluster, as root, for trying the job files `vidstyle plan --emit slurm`
# prints without a real cluster (docs/scale-out.md). It installs nothing: `make slurm-deps`
# installs slurm-wlm and munge.
#
#   tools/slurm_local.sh start          start munged, slurmctld and slurmd; prints the folder
#   tools/slurm_local.sh stop           stop them (by their pids) and remove the folder
#   tools/slurm_local.sh run SCRIPT     start, run SCRIPT's parts (sbatch --wait, the array),
#                                       then its join, check the joined output exists, stop
#
# Everything (munge key, slurm.conf, state, spool, logs, sockets) lives in one temporary
# folder, recorded in $SLURM_LOCAL_POINTER so `stop` finds it; nothing under /etc is touched.
# Ports are picked free at start, so another cluster on this machine does not clash.
set -euo pipefail

POINTER=${SLURM_LOCAL_POINTER:-${TMPDIR:-/tmp}/vidstyle-slurm-local.dir}

die() { echo "slurm_local: $*" >&2; exit 1; }

need() {
  for tool in munged slurmctld slurmd sbatch setpriv; do
    command -v "$tool" >/dev/null || die "$tool is missing; run 'make slurm-deps' (apt: slurm-wlm munge)"
  done
  [ "$(id -u)" = 0 ] || die "run as root (Slurm's daemons here run as root, munged as user munge)"
  id munge >/dev/null 2>&1 || die "user munge is missing; run 'make slurm-deps'"
}

# A TCP port nobody listens on, from a range away from Slurm's defaults.
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 20000 ))
    if ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then echo "$port"; return; fi
  done
  die "no free port found"
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $(( seconds * 5 ))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "$what did not come up within ${seconds}s (logs in $DIR)"
}

start() {
  need
  [ ! -e "$POINTER" ] || die "already started ($(cat "$POINTER")); run '$0 stop' first"
  DIR=$(mktemp -d "${TMPDIR:-/tmp}/vidstyle-slurm.XXXXXX")
  echo "$DIR" > "$POINTER"
  chmod 711 "$DIR"   # munged (user munge) must reach its own folder inside
  mkdir -p "$DIR/munge" "$DIR/state" "$DIR/spool" "$DIR/work"
  head -c 1024 /dev/urandom > "$DIR/munge/munge.key"
  chown -R munge:munge "$DIR/munge"
  chmod 700 "$DIR/munge"
  chmod 400 "$DIR/munge/munge.key"
  # setpriv execs munged itself, so $! is munged's pid; -F keeps it in the foreground.
  setpriv --reuid=munge --regid=munge --init-groups munged -F --force \
    --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket.2" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munged.seed" \
    </dev/null >/dev/null 2>&1 &
  echo $! > "$DIR/munged.pid.keep"
  wait_for 10 munged test -S "$DIR/munge/munge.socket.2"

  local host cpus
  host=$(hostname -s)
  cpus=$(nproc)
  cat > "$DIR/slurm.conf" <<CONF
ClusterName=vidstyle-local
SlurmctldHost=$host
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket.2
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$DIR/slurm.conf"
  slurmctld -D -i </dev/null >>"$DIR/slurmctld.out" 2>&1 &
  echo $! > "$DIR/slurmctld.pid.keep"
  wait_for 30 slurmctld scontrol ping
  slurmd -D </dev/null >>"$DIR/slurmd.out" 2>&1 &
  echo $! > "$DIR/slurmd.pid.keep"
  wait_for 30 "the node" sh -c "sinfo -h -N -o %t | grep -qE '^(idle|mix|alloc)'"
  echo "slurm_local: running in $DIR; export SLURM_CONF=$DIR/slurm.conf"
}

stop() {
  [ -e "$POINTER" ] || { echo "slurm_local: nothing to stop"; return 0; }
  DIR=$(cat "$POINTER")
  # Reverse order of start; each by the pid recorded when it was started.
  for name in slurmd slurmctld munged; do
    local file="$DIR/$name.pid.keep"
    [ -e "$file" ] || continue
    local pid
    pid=$(cat "$file")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
  done
  case "$DIR" in "${TMPDIR:-/tmp}"/vidstyle-slurm.*) rm -rf "$DIR" ;; esac
  rm -f "$POINTER"
}

run() {
  local script=$1 out=${2:-}
  [ -f "$script" ] || die "no such script: $script"
  script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
  if [ -z "$out" ]; then
    # OUT is the 4th word of the script's join line: EXECUTABLE join IN OUT PART...
    local line
    line=$(grep -E '^exec .* join ' "$script" | tail -1 | sed 's/^exec //')
    eval "set -- $line"
    out=$4
  fi
  [ ! -e "$POINTER" ] || die "already started ($(cat "$POINTER")); run '$0 stop' first"
  trap stop EXIT
  start
  export SLURM_CONF="$DIR/slurm.conf"
  local started=$SECONDS
  echo "slurm_local: parts (array job)"
  if ! sbatch --wait --chdir="$DIR/work" "$script"; then
    cat "$DIR"/work/*.log >&2 2>/dev/null || true
    die "a part failed"
  fi
  echo "slurm_local: join"
  if ! sbatch --wait --chdir="$DIR/work" --array=1 --export=ALL,VIDSTYLE_JOIN=1 "$script"; then
    cat "$DIR"/work/*.log >&2 2>/dev/null || true
    die "the join failed"
  fi
  [ -s "$out" ] || die "the join finished but $out is missing"
  echo "slurm_local: wrote $out in $(( SECONDS - started )) s"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  run) [ $# -ge 2 ] || die "usage: $0 run SCRIPT [OUT]"; run "$2" "${3:-}" ;;
  *) echo "usage: $0 start | stop | run SCRIPT [OUT]" >&2; exit 2 ;;
esac
