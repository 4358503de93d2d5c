#!/usr/bin/env bash
# End-to-end test of the SLURM path on this machine, for real:
#   1. skips (exit 77) unless Debian's slurm-wlm and munge are installed;
#   2. writes a single-node slurm.conf for this host in a temporary directory
#      (no accounting database: squeue as status command, a long MinJobAge);
#   3. starts munged, slurmctld and slurmd;
#   4. runs a tiny study with --workflow-profile workflow/profiles/slurm, and the
#      same study locally, and compares their results/ byte for byte;
#   5. stops the daemons it started, by their pid, whatever happened.
# Usage: tests/cluster/slurm_e2e.sh [PYTHON]   (PYTHON has snakemake and the
# SLURM executor plugin: pip install -e ".[slurm]"). Exit 0 only if identical;
# 77 (skipped) on a machine that already has a SLURM configuration or where
# SLURM is not installed.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=${1:-python3}
WORK=$(mktemp -d /tmp/gmm-slurm-e2e.XXXXXX)
chmod 700 "$WORK"
PIDS=()
LINKED_CONF=0

log() { printf '[slurm_e2e] %s\n' "$*"; }

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  if [ -f "$WORK/munged.pid" ]; then kill "$(cat "$WORK/munged.pid")" 2>/dev/null || true; fi
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  if [ "$status" -ne 0 ] && [ "$status" -ne 77 ]; then
    log "FAILED (exit $status); daemon logs:"
    tail -n 20 "$WORK"/slurmctld.log "$WORK"/slurmd.log "$WORK"/munged.log 2>/dev/null || true
    for f in "$WORK"/slurm/.snakemake/slurm_logs/*/*/*.log; do
      [ -f "$f" ] && { echo "== $f"; tail -n 30 "$f"; }
    done
  fi
  if [ "$LINKED_CONF" = 1 ]; then rm -f /etc/slurm/slurm.conf; fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT INT TERM

if [ -e /etc/slurm/slurm.conf ] && [ ! -L /etc/slurm/slurm.conf ]; then
  log "skipped: /etc/slurm/slurm.conf exists; this test starts its own cluster"; exit 77
fi

# 1. SLURM and munge: this script never installs system software (.ci/run
#    installs Debian's slurm-wlm and munge before the suite runs).
missing=()
command -v slurmctld >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
if [ "${#missing[@]}" -gt 0 ]; then
  log "skipped: ${missing[*]} not installed (Debian: apt-get install slurm-wlm munge; .ci/run does)"
  exit 77
fi
if [ "$(id -u)" != 0 ]; then
  log "skipped: starting slurmctld and slurmd here needs root"; exit 77
fi
"$PY" -c "import snakemake_executor_plugin_slurm" 2>/dev/null || {
  log "the SLURM executor plugin is missing: pip install -e '.[slurm]'"; exit 1; }

# 2. configuration for this host
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) * 8 / 10 ))
mkdir -p "$WORK/state" "$WORK/spool"
cat > "$WORK/slurm.conf" <<EOF
ClusterName=gmmtest
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge.sock
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MinJobAge=3600
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$WORK/slurm.conf"
# The jobstep plugin strips SLURM_* variables (SLURM_CONF too) before its
# nested srun, which then only finds the default path: link it there for the
# run, unless a real cluster's configuration is already in place.
if [ ! -e /etc/slurm/slurm.conf ]; then
  mkdir -p /etc/slurm
  ln -s "$SLURM_CONF" /etc/slurm/slurm.conf
  LINKED_CONF=1
fi

# 3. daemons
mungekey --create --keyfile="$WORK/munge.key" 2>/dev/null || \
  { dd if=/dev/urandom of="$WORK/munge.key" bs=1024 count=1 2>/dev/null; }
chmod 600 "$WORK/munge.key"
munged --force --socket="$WORK/munge.sock" --key-file="$WORK/munge.key" \
  --pid-file="$WORK/munged.pid" --log-file="$WORK/munged.log" --seed-file="$WORK/munged.seed"
slurmctld -D -i -f "$SLURM_CONF" >>"$WORK/slurmctld.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >>"$WORK/slurmd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do
  if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed)'; then break; fi
  sleep 1
done
sinfo -h -N -o '%N %T' | grep -qE 'idle|mixed' || { log "the node never became idle"; exit 1; }
log "SLURM is up: $(sinfo -h -N -o '%N %T %c CPUs %m MB')"

# 4. the same tiny study, on SLURM and locally
for run in slurm local; do
  mkdir -p "$WORK/$run"
  cp -r "$REPO/Snakefile" "$REPO/workflow" "$REPO/data" "$WORK/$run/"
  cat > "$WORK/$run/config.yaml" <<'EOF'
seed: 11
sample_sizes: [80, 200]
replicates: 6
job_seconds: 0.005         # a few replicates per fit job: several jobs per series
fit: {n_restarts: 2}
scenarios:
  e2e: {weights: [0.3, 0.7], means: [0, 4], sds: [1, 1.5]}
EOF
done
cd "$WORK/slurm"
log "running the study through sbatch"
start=$(date +%s)
# This node has few CPUs: fit jobs two to a submission (the profile's
# group-components, fit=8, would ask for more CPUs than it has).
"$PY" -m snakemake --workflow-profile workflow/profiles/slurm --jobs 4 --group-components fit=2 \
  --slurm-no-account --slurm-status-command squeue --slurm-keep-successful-logs \
  --slurm-init-seconds-before-status-checks 5 \
  --default-resources slurm_partition=debug mem_mb=500 runtime=10 \
  --latency-wait 10 > "$WORK/slurm.out" 2>&1 || { tail -n 40 "$WORK/slurm.out"; exit 1; }
log "SLURM run finished in $(( $(date +%s) - start )) s"
submitted=$(grep -c "Job .* has been submitted with SLURM jobid" "$WORK/slurm.out" || true)
[ "$submitted" -ge 1 ] || { log "no job went through SLURM"; tail -n 40 "$WORK/slurm.out"; exit 1; }
log "$submitted job(s) ran through sbatch"
fit_jobs=$(awk '/Job stats:/ {on=1} on && $1 == "fit" {print $2; exit}' "$WORK/slurm.out")
groups=$(find .snakemake/slurm_logs -mindepth 1 -maxdepth 1 -name 'group_fit*' | wc -l)
[ "$groups" -ge 1 ] || { log "the fit jobs were not submitted as group jobs"; ls -R .snakemake/slurm_logs | head; exit 1; }
log "${fit_jobs:-?} fit jobs went in group submissions (.snakemake/slurm_logs/group_fit*)"
cd "$WORK/local"
"$PY" -m snakemake --cores 2 > "$WORK/local.out" 2>&1 || { tail -n 40 "$WORK/local.out"; exit 1; }

diffs=$(diff -r -q -x logs -x benchmarks -x timing "$WORK/slurm/results" "$WORK/local/results" || true)
if [ -n "$diffs" ]; then
  log "results differ between SLURM and local runs:"
  echo "$diffs"
  exit 1
fi
log "results/ byte-identical between the SLURM and the local run ($(find "$WORK/local/results" -type f -not -path '*/logs/*' -not -path '*/benchmarks/*' -not -path '*/timing/*' | wc -l) files)"
