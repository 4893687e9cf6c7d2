#!/bin/sh
# Fills fuzz/corpus/<target>/ with valid inputs from testdata/ (and one package built by
# imgtool), so libFuzzer starts deep inside each format. Run from the repository root:
#   sh fuzz/seed-corpus.sh && cd fuzz && cargo +nightly fuzz run package -- -max_total_time=60
set -eu
c=fuzz/corpus
mkdir -p $c/elf $c/ptab $c/layout_toml $c/ota_toml $c/package $c/payload $c/ezip $c/ezip_image $c/manifest \
         $c/trailer $c/keys $c/simulator $c/verify_vs_device
cp testdata/elf/*.elf testdata/examples/sf32lb52x-eh-lb523/*.elf $c/elf/
cp testdata/ptab/*.json $c/ptab/
cp layouts/*.toml testdata/layout/*.toml $c/layout_toml/
cp testdata/examples/sf32lb52x-eh-lb523/ota.toml $c/ota_toml/
cp testdata/ezip/*.bin $c/ezip/
# EZIP image streams: the tool's .bin outputs without their 4-byte LVGL v8 header.
for f in testdata/ezip-image/ezip-*/*_binfile2_default.bin; do
    tail -c +5 "$f" > "$c/ezip_image/$(basename "$(dirname "$f")")-$(basename "$f")"
done
cp testdata/sign/*.pem $c/keys/
tmp=$(mktemp -d)
cargo run -q -p imgtool -- pack --config testdata/examples/sf32lb52x-eh-lb523/ota.toml -o "$tmp" >/dev/null
cp "$tmp/offline_install.bin" $c/package/example.bin
cp "$tmp/offline_install.bin" $c/simulator/example.bin
cp "$tmp/offline_install.bin" $c/trailer/example.bin
cp "$tmp/offline_install.bin" $c/verify_vs_device/example.bin
cp "$tmp/manifest.json" $c/manifest/
# The payloads of the example package: offsets from its table (imgtool inspect prints them).
python3 - "$tmp/offline_install.bin" $c/payload <<'PY'
import struct, sys
b = open(sys.argv[1], 'rb').read()
n = struct.unpack_from('<H', b, 6)[0]
off = 12 + 6 * n
for i in range(n):
    _, _, ln = struct.unpack_from('<BBI', b, 12 + 6 * i)
    open(f'{sys.argv[2]}/payload{i}.bin', 'wb').write(b[off:off + ln])
    off += ln
PY
rm -r "$tmp"
