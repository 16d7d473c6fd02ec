#!/usr/bin/env bash
# The README's learning figures, every configuration run several times, all at once: as many runs
# in parallel as the machine has cores for (each run uses 2 threads). Results: one directory per run
# under OUT, and OUT/results.csv (one row per run: name, seed, best and final mean_return_100, steps,
# wall seconds, env steps/s, and the eval figures where a run is evaluated).
#   java/results/learning-runs.sh OUT [GROUP...]     GROUP: minatar, minatar10m, cartpole, tmaze, pendulum, tests, sweep
# ASYNCRL overrides the command (e.g. a packed runtime: see ../shared/DEVICE.md); DEADLINE (seconds)
# stops every run still going at that time (each writes its summary as interrupted).
set -uo pipefail
OUT=${1:?usage: learning-runs.sh OUT [GROUP...]}; shift
GROUPS_=${*:-minatar cartpole tmaze pendulum tests}
A=${ASYNCRL:-$(cd "$(dirname "$0")/../.." && pwd)/asyncrl}
JOBS=${JOBS:-$(( ($(nproc) + 1) / 2 ))}
DEADLINE=${DEADLINE:-0}
mkdir -p "$OUT"
START=$(date +%s)

limit() { # seconds left before DEADLINE, or a day
  if [ "$DEADLINE" -gt 0 ]; then echo $(( DEADLINE - ($(date +%s) - START) )); else echo 86400; fi
}

train() { # NAME SEED flags...: one training run into OUT/NAME-sSEED
  local name=$1 seed=$2; shift 2
  local d="$OUT/$name-s$seed" left; left=$(limit)
  [ "$left" -gt 5 ] || return 0
  timeout -s INT "$left" $A train --threads 2 --seed "$seed" --progress none --out "$d" "$@" >"$d.log" 2>&1
}

evaluate() { # NAME SEED EPISODES EVAL_SEED
  local d="$OUT/$1-s$2"
  [ -f "$d/summary.json" ] && $A eval --run "$d" --episodes "$3" --seed "$4" --out "$d/eval" >>"$d.log" 2>&1
}

jobs_list() {
  for g in $GROUPS_; do
    case $g in
      minatar)
        for game in breakout space-invaders asterix freeway seaquest; do for s in 1 2 3; do
          echo "train minatar-$game $s --algo a3c --env minatar-$game --steps 5000000"
        done; done ;;
      minatar10m) # the five games at 10M steps, the preset otherwise
        for game in breakout space-invaders asterix freeway seaquest; do for s in 1 2 3; do
          echo "train minatar10m-$game $s --algo a3c --env minatar-$game --steps 10000000"
        done; done ;;
      cartpole)
        for s in 1 2 3; do
          echo "train a3c-cartpole $s --algo a3c --env cartpole --steps 1000000"
          echo "train nstep-q-cartpole $s --algo nstep-q --env cartpole --steps 1000000"
          echo "train onestep-q-cartpole $s --algo onestep-q --env cartpole --steps 1000000"
          echo "train onestep-sarsa-cartpole $s --algo onestep-sarsa --env cartpole --steps 1000000"
          echo "train a3c-acrobot $s --algo a3c --env acrobot --steps 1000000"
        done ;;
      tmaze)
        for s in 1 2 3; do
          echo "train tmaze-lstm $s --env tmaze --lstm 32 ; evaluate tmaze-lstm $s 1000 1"
          echo "train tmaze-ff $s --env tmaze ; evaluate tmaze-ff $s 1000 1"
        done ;;
      pendulum)
        for s in 1 2 3 4 5 6 7 8 9 10; do echo "train pendulum $s --algo a3c --env pendulum --steps 2000000"; done ;;
      tests) # LearningTest and MemoryTaskTest, each ten times with the test's own seed and flags
        for r in 1 2 3 4 5 6 7 8 9 10; do
          echo "train test$r-a3c-cartpole 1 --algo a3c --steps 1000000"
          echo "train test$r-nstep-q-cartpole 1 --algo nstep-q --steps 1000000"
          echo "train test$r-onestep-q-cartpole 1 --algo onestep-q --steps 1000000 --stop-return 195"
          echo "train test$r-onestep-sarsa-cartpole 1 --algo onestep-sarsa --steps 1000000 --stop-return 195"
          echo "train test$r-pendulum 1 --algo a3c --env pendulum --steps 1000000 --stop-return -700"
          echo "train test$r-pendulum-2m 1 --algo a3c --env pendulum --steps 2000000"
          echo "train test$r-breakout 1 --algo a3c --env minatar-breakout --steps 400000 --stop-return 4"
          echo "train test$r-acrobot 1 --algo a3c --env acrobot --steps 1000000 --stop-return -100"
          echo "train test$r-tmaze-lstm 1 --env tmaze --lstm 32 --steps 600000 --stop-return 0.9 ; evaluate test$r-tmaze-lstm 1 200 2"
          echo "train test$r-tmaze-ff 1 --env tmaze --steps 300000 ; evaluate test$r-tmaze-ff 1 200 2"
        done ;;
    esac
  done
}

export -f train evaluate limit
export OUT A DEADLINE START
jobs_list | xargs -P "$JOBS" -I{} bash -c '{}'

python3 - "$OUT" <<'PY'
import csv, glob, json, os, sys
out = sys.argv[1]
rows = []
for d in sorted(glob.glob(os.path.join(out, '*-s*'))):
    if not os.path.isdir(d) or not os.path.exists(os.path.join(d, 'summary.json')): continue
    s = json.load(open(os.path.join(d, 'summary.json')))
    name, seed = os.path.basename(d).rsplit('-s', 1)
    e = {}
    if os.path.exists(os.path.join(d, 'eval', 'summary.json')): e = json.load(open(os.path.join(d, 'eval', 'summary.json')))
    rows.append([name, seed, s.get('best_mean_return_100'), s.get('mean_return_100'), s['steps'], round(s['wall_seconds'], 1), round(s['env_steps_per_second']),
                 s['status'], s['stop_reason'], e.get('mean_return', ''), e.get('success_rate', '')])
with open(os.path.join(out, 'results.csv'), 'w', newline='') as f:
    w = csv.writer(f)
    w.writerow(['name', 'seed', 'best', 'final', 'steps', 'wall_seconds', 'env_steps_per_second', 'status', 'stop_reason', 'eval_mean_return', 'eval_success'])
    w.writerows(rows)
print(f"{len(rows)} runs in {out}/results.csv")
PY
