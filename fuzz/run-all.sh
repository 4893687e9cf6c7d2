#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) each, one after the other, with a 64 MiB
# RSS limit and 2 s per input; prints a summary line per target. Needs nightly + cargo-fuzz.
#   cd fuzz && sh run-all.sh 60
set -u
secs=${1:-60}
for t in elf ptab layout_toml ota_toml package payload ezip manifest trailer keys simulator; do
    mkdir -p corpus/$t
    cargo +nightly fuzz run -O $t corpus/$t -- -max_total_time=$secs -rss_limit_mb=2048 \
        -malloc_limit_mb=256 -timeout=2 -print_final_stats=1 > logs-$t.txt 2>&1
    echo "$t: exit $? $(grep -E 'stat::number_of_executed_units' logs-$t.txt | tr -s ' ') \
$(grep -c -E '^(==[0-9]+== ERROR|SUMMARY|.*panicked)' logs-$t.txt) problems"
done
