#!/usr/bin/env bash
# Rebuilds the ELF fixtures and their objcopy reference outputs. Needs arm-none-eabi-gcc
# (tested with 12.2.rel1) and the host's binutils objcopy (for the ELF64 conversions).
set -euo pipefail
cd "$(dirname "$0")"
CFLAGS="-mcpu=cortex-m33 -mthumb -Os -nostdlib -ffreestanding -fno-asynchronous-unwind-tables -Wl,--build-id=none"

arm-none-eabi-gcc $CFLAGS -T multi.ld -o multi.elf multi.c
arm-none-eabi-gcc $CFLAGS -T two_regions.ld -o two_regions.elf two_regions.c
arm-none-eabi-gcc $CFLAGS -T data_in_ram.ld -o data_in_ram.elf two_regions.c
arm-none-eabi-gcc $CFLAGS -T bootloader_xip.ld -o bootloader_xip.elf multi.c
arm-none-eabi-gcc $CFLAGS -T low_ram.ld -o low_ram.elf multi.c
arm-none-eabi-gcc $CFLAGS -T padded.ld -o padded.elf multi.c
# LLVM's linker (rust-lld from the Rust toolchain) on the same object: one PT_LOAD per section.
LLD="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld"
arm-none-eabi-gcc ${CFLAGS%% -Wl,*} -c -o multi.o multi.c
"$LLD" -flavor gnu -T multi.ld --build-id=none -z max-page-size=0x1000 -o multi_lld.elf multi.o
rm multi.o
# Big-endian ELF32 (ARM BE8 code, big-endian headers).
arm-none-eabi-gcc $CFLAGS -mbig-endian -T multi.ld -o multi_be32.elf multi.c
# ELF64 little- and big-endian: the same contents converted by the host objcopy.
objcopy -I elf32-little -O elf64-little multi.elf multi_le64.elf
objcopy -I elf32-big -O elf64-big multi_be32.elf multi_be64.elf

# References: objcopy's flat image (gaps zero) and with --gap-fill 0xff (imgtool's default).
# two_regions spans 3 MiB flat and is only used in layout mode: no reference for it.
# arm-none-eabi-objcopy reads no ELF64, so the host objcopy makes the ELF64 references.
for f in multi multi_be32 multi_le64 multi_be64 low_ram multi_lld padded; do
  case $f in *_le64) OBJCOPY="objcopy -I elf64-little" ;; *_be64) OBJCOPY="objcopy -I elf64-big" ;; *) OBJCOPY=arm-none-eabi-objcopy ;; esac
  $OBJCOPY -O binary "$f.elf" "$f.objcopy.bin"
  $OBJCOPY -O binary --gap-fill 0xff "$f.elf" "$f.objcopy-ff.bin"
done
