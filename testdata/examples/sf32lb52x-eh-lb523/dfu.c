/* Example DFU installer ("OTA manager", image id 6) for the SF32LB52x eh-lb523 layout: stored
 * and run in place in region DFU_FLASH_CODE (0x12320000, 384 KiB). It only has the shape of
 * the real one: it looks at the package header in DFU_DOWNLOAD_REGION and "installs" nothing.
 * Built by build.sh; see README.md. */
#include <stdint.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
void reset_handler(void);
void fault_handler(void);

__attribute__((section(".isr_vector"), used))
const void *const vector_table[4] = { &_estack, reset_handler, fault_handler, fault_handler };

#define DFU_DOWNLOAD_REGION 0x12380000u
#define PACKAGE_MAGIC 0x53454346u /* "FCES" */

static const char banner[] = "dfu installer";

uint8_t install_state = 0xff;
uint32_t pksize = 10240;

static volatile uint32_t chunk_count;

#define UART_DR (*(volatile uint32_t *)0x50084000u)

static void say(const char *s)
{
    while (*s)
        UART_DR = (uint8_t)*s++;
}

static int package_present(void)
{
    const volatile uint32_t *pkg = (const volatile uint32_t *)DFU_DOWNLOAD_REGION;
    return pkg[0] == PACKAGE_MAGIC;
}

void fault_handler(void)
{
    for (;;)
        ;
}

void reset_handler(void)
{
    uint32_t *src = &_sidata;
    for (uint32_t *dst = &_sdata; dst < &_edata;)
        *dst++ = *src++;
    for (uint32_t *dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    say(banner);
    if (package_present()) {
        install_state = 0x7f;
        chunk_count = (uint32_t)(sizeof banner) * pksize;
    }
    for (;;)
        __asm volatile("wfi");
}
