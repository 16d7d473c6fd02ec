#!/usr/bin/env bash
# The MuJoCo tasks' speed on one thread, in one run: MujocoStepBench (JMH: an agent step under a random
# policy, and one mj_step through FFM), then MuJoCo's own mujoco-testspeed (C, libmujoco-samples) on the
# same models with the same protocol (2,000 steps from the default state, zero controls; the median of
# 5). Prints one row per task: agent steps/s, mj_step/s through FFM, mj_step/s in C, and the FFM
# overhead per mj_step (1 - FFM/C). Usage: java/results/mujoco-speed.sh (from the repository root).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/mujoco-speed.txt
./asyncrl bench jmh -f 1 -wi 3 -i 5 -w 1 -r 1 MujocoStepBench | tee target/mujoco-speed-jmh.txt >&2
rate() { awk -v b="$1" -v e="$2" '$1 ~ "MujocoStepBench\\."b"$" && $2 == e { print $5 }' target/mujoco-speed-jmh.txt; }
printf '%-32s %14s %14s %14s %9s\n' task "env steps/s" "FFM mj_step/s" "C mj_step/s" overhead | tee "$out"
for task in mujoco-inverted-pendulum mujoco-inverted-double-pendulum mujoco-reacher mujoco-half-cheetah mujoco-hopper mujoco-humanoid; do
  model=target/mujoco-models/$task.xml
  [ "$task" = mujoco-humanoid ] && model=/usr/share/mujoco/model/humanoid/humanoid.xml
  c=$(for i in 1 2 3 4 5; do mujoco-testspeed "$model" 2000 1 0 | awk '/Steps per second/ { print $5 }'; done | sort -n | sed -n 3p)
  env=$(rate envStep "$task"); ffm=$(rate mjStep "$task")
  awk -v t="$task" -v e="$env" -v f="$ffm" -v c="$c" 'BEGIN { printf "%-32s %14.0f %14.0f %14.0f %8.1f%%\n", t, e, f, c, 100 * (1 - f / c) }' | tee -a "$out"
done
