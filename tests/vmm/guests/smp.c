/* Multiprocessor start-up: the BSP wakes vCPU 1 with INIT and STARTUP IPIs through its in-kernel
 * LAPIC (identity-mapped at 0xfee00000); vCPU 1 starts in real mode at the trampoline, says who it
 * is and resets the machine. The MP table the VMM wrote is checked on the way. */
#include "guest.h"

extern char ap_trampoline_start[], ap_trampoline_end[];

#define LAPIC 0xfee00000ull
#define TRAMPOLINE 0x10000ull

static uint32_t lapic_read(uint32_t reg) { return mmio_read32(LAPIC + reg); }
static void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(LAPIC + reg, v); }

static void ipi(uint32_t apic_id, uint32_t icr) {
    lapic_write(0x310, apic_id << 24);
    lapic_write(0x300, icr);
}

void guest_main(void *bp) {
    (void)bp;
    /* The MP table's floating pointer, where Linux looks for it: the last KiB below 640 KiB. */
    const char *mp = (const char *)0x9fc00;
    put_kv_str("mptable", memcmp(mp, "_MP_", 4) == 0 ? "found" : "missing");
    const uint8_t *cfg = (const uint8_t *)(uint64_t)*(const uint32_t *)(mp + 4);
    unsigned cpus = 0;
    for (const uint8_t *e = cfg + 44; e < cfg + *(const uint16_t *)(cfg + 4);) {
        if (e[0] == 0) {  /* processor entry */
            ++cpus;
            e += 20;
        } else {
            e += 8;
        }
    }
    put_kv_hex("mptable_cpus", cpus);

    memcpy((void *)TRAMPOLINE, ap_trampoline_start, (size_t)(ap_trampoline_end - ap_trampoline_start));
    lapic_write(0xf0, lapic_read(0xf0) | 0x100);  /* software-enable the LAPIC */
    put_kv_hex("bsp_apic_id", lapic_read(0x20) >> 24);
    /* From here on the AP owns COM1: print first, so the two vCPUs' lines cannot interleave. */
    puts("smp: bsp sends INIT and STARTUP\n");
    ipi(1, 0x4500);                               /* INIT, assert */
    ipi(1, 0x4600 | (uint32_t)(TRAMPOLINE >> 12)); /* STARTUP at vector 0x10 */
    for (;;) __asm__ volatile("cli; hlt");
}
