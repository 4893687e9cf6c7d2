#!/bin/sh
# Runs every fuzz target for SECONDS (default 60) each, one after the other, with libFuzzer's
# malloc limit (256 MiB per allocation) and 2 s per input; prints a summary line per target.
# Builds once first (`cargo fuzz build -O`), then runs the binaries, so a later edit of the
# tree does not interrupt the campaign. Needs nightly + cargo-fuzz. Run from fuzz/.
set -u
secs=${1:-60}
cargo +nightly fuzz build -O || exit 2
bin=${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release
for t in elf ptab layout_toml ota_toml package payload ezip ezip_image manifest trailer keys simulator verify_vs_device; do
    mkdir -p corpus/$t artifacts/$t
    "$bin/$t" corpus/$t -artifact_prefix=artifacts/$t/ -max_total_time=$secs \
        -rss_limit_mb=2048 -malloc_limit_mb=256 -timeout=2 -print_final_stats=1 > logs-$t.txt 2>&1
    echo "$t: exit $? $(grep -E 'stat::number_of_executed_units' logs-$t.txt | tr -s ' ') \
$(ls artifacts/$t | wc -l) artifacts"
done
