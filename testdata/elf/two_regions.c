/* Fixture: code in HCPU_FLASH_CODE, a table in DFU_FLASH_CODE (two flash regions of the
 * SF32LB52x eh-lb523 layout), initialised data loaded in HCPU_FLASH_CODE. */
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata;

__attribute__((section(".dfu_table"), used))
const uint32_t dfu_table[3] = { 0xdf0dab1e, 0x00000006, 0x12320000 };

uint16_t mode = 0x5a5a;

void reset_handler(void)
{
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (;;)
        mode += (uint16_t)dfu_table[1];
}
