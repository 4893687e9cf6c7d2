/* Fixture: several PT_LOAD segments, .data with LMA != VMA, NOLOAD .bss, an empty section,
 * odd-sized sections and a gap in flash. Built by build.sh; see README.md. */
#include <stdint.h>

extern uint32_t _estack;
void reset_handler(void);

/* Vector table: initial stack pointer and reset handler. */
__attribute__((section(".vectors"), used))
const void *const vectors[2] = { &_estack, (const void *)reset_handler };

/* Odd-sized read-only data: 13 bytes. */
const char greeting[13] = "hello, flash";

/* Initialised data: stored in flash (LMA), copied to RAM (VMA) at reset. */
uint32_t counter = 0x11223344u;
uint8_t odd_data[5] = { 1, 2, 3, 4, 5 };

/* Zero-initialised: NOLOAD, never in the image. */
uint32_t scratch[64];

/* Placed 4 KiB into flash by the linker script: leaves a gap after .data's load image. */
__attribute__((section(".config"), used))
const uint8_t config[7] = { 0xc0, 0xff, 0xee, 0x00, 0x12, 0x34, 0x56 };

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;

void reset_handler(void)
{
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    for (;;)
        scratch[counter++ & 63] = (uint32_t)greeting[counter % 13] + odd_data[counter % 5] + config[0];
}
