#!/bin/bash
# usage: alt.sh rounds sizes bin...
rounds=$1; sizes=$2; shift 2
for r in $(seq $rounds); do for b in "$@"; do
  MEMBERLIST_SIZES=$sizes $b --bench zzzz 2>&1 | grep -E "^memberlist n=" | sed "s|^|$(basename $b) |"
done; done
