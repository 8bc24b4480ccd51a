#!/bin/bash
# cachegrind.sh BENCH_BINARY OUTDIR: instructions and last-level misses per
# change, from two cachegrind runs per size that differ only in the number of
# timed batches (MEMBERLIST_BATCHES 1000 and 3000; with the 1/10 warm-up and
# both workloads the difference is 4,400 batches of 32 changes). Simulated
# caches: 48 KiB L1d, 4 MiB last level (the machine's random-read latency
# jumps between 4 and 16 MiB: floor-run*.txt). cachegrind.py OUTDIR prints
# the figures.
bin=$1; out=$2; mkdir -p "$out"
for n in 10000 1000000; do for b in 1000 3000; do
  MEMBERLIST_BATCHES=$b MEMBERLIST_SIZES=$n valgrind --tool=cachegrind --cache-sim=yes \
    --LL=4194304,16,64 --D1=49152,12,64 --cachegrind-out-file="$out/cg_${n}_$b.out" \
    "$bin" --bench zzzz > "$out/cg_${n}_$b.log" 2>&1 &
done; wait; done
