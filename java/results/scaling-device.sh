#!/usr/bin/env bash
# Issue 13's scaling table on the 16-core machine, prepared for one device call (../shared/DEVICE.md):
# here, `./asyncrl train --steps 1` once and ../shared/tools/device-kit.sh; there, with carry [".kit"]:
#   bash java/results/scaling-device.sh
# A3C with the presets (32 environments per thread on Breakout, 4 on CartPole) at 1, 2, 4, 8, 16 threads,
# then the same pinned, then the one-environment form on Breakout for the before/after ratio. About
# 8 minutes; each table is written to $OUT as soon as it is measured (seven files: the device returns eight at most).
set -uo pipefail
OUT=${OUT:-/tmp/scaling}; mkdir -p "$OUT"
if [ -z "${J:-}" ]; then
  tar xJf .kit/kit.tar.xz -C /tmp && K=/tmp/kit
  CP="$K/classes:$(ls $K/jars/*.jar | tr '\n' ':')"
  J="$K/jre/bin/java --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -Dasyncrl.native.dir=$K/native -cp $CP dev.asyncrl.cli.Main"
fi
nproc > "$OUT/machine.txt"; lscpu >> "$OUT/machine.txt" 2>&1
B="bench --algo a3c --env cartpole,minatar-breakout --threads 1,2,4,8,16 --kernel simd --seconds 5 --warmup 3 --repeat 2"
$J $B --json "$OUT/scaling.json" > "$OUT/scaling.txt" 2>&1
$J $B --pin-threads --json "$OUT/scaling-pinned.json" > "$OUT/scaling-pinned.txt" 2>&1
for n in 1 16; do
  $J train --env minatar-breakout --threads $n --steps 400000 --stop-return none --envs-per-thread 1 --lr 1e-3 \
     --progress none --out "/tmp/k1-t$n" > "/tmp/k1-t$n.log" 2>&1
  cp "/tmp/k1-t$n/summary.json" "$OUT/k1-t$n.json" 2>/dev/null || tail -3 "/tmp/k1-t$n.log" > "$OUT/k1-t$n.json"
done
