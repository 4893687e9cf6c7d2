#!/usr/bin/env bash
# Rebuilds app.elf and dfu.elf. Needs arm-none-eabi-gcc (tested with 12.2.rel1).
set -euo pipefail
cd "$(dirname "$0")"
CFLAGS="-mcpu=cortex-m33 -mthumb -Os -nostdlib -ffreestanding -fno-asynchronous-unwind-tables -Wall -Wextra -Wl,--build-id=none"
arm-none-eabi-gcc $CFLAGS -T app.ld -o app.elf app.c
arm-none-eabi-gcc $CFLAGS -T dfu.ld -o dfu.elf dfu.c
