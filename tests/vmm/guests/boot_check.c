/* Guest (a): reports how it was entered, for the test to compare with the Linux 64-bit boot
 * protocol: long mode with paging, the boot GDT's code segment, interrupts off, RSI -> zero page,
 * the setup header, the e820 map and the command line. Output: key=value lines on COM1. */
#include <asm/bootparam.h>

#include "guest.h"

static uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

void guest_main(struct boot_params *bp) {
    uint64_t cr0, cr3, cr4, rflags;
    uint16_t cs, ds;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("pushf; pop %0" : "=r"(rflags));
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    __asm__ volatile("mov %%ds, %0" : "=r"(ds));
    puts("boot_check: start\n");
    put_kv_hex("efer", rdmsr(0xc0000080));
    put_kv_hex("cr0", cr0);
    put_kv_hex("cr3", cr3);
    put_kv_hex("cr4", cr4);
    put_kv_hex("cs", cs);
    put_kv_hex("ds", ds);
    put_kv_hex("if", (rflags >> 9) & 1);
    put_kv_hex("rsi", (uint64_t)bp);
    put_kv_hex("boot_flag", bp->hdr.boot_flag);
    put_kv_hex("header", bp->hdr.header);
    put_kv_hex("version", bp->hdr.version);
    put_kv_hex("type_of_loader", bp->hdr.type_of_loader);
    put_kv_hex("loadflags", bp->hdr.loadflags);
    put_kv_hex("ramdisk_image", bp->hdr.ramdisk_image);
    put_kv_hex("ramdisk_size", bp->hdr.ramdisk_size);
    uint64_t cmd = bp->hdr.cmd_line_ptr | (uint64_t)bp->ext_cmd_line_ptr << 32;
    put_kv_hex("cmd_line_ptr", cmd);
    put_kv_str("cmdline", (const char *)cmd);
    put_kv_hex("e820_entries", bp->e820_entries);
    for (unsigned i = 0; i < bp->e820_entries && i < 128; ++i) {
        puts("e820=");
        puthex(bp->e820_table[i].addr);
        putc(' ');
        puthex(bp->e820_table[i].size);
        putc(' ');
        putdec(bp->e820_table[i].type);
        putc('\n');
    }
    /* The initrd, if any, must be readable where the zero page says. */
    if (bp->hdr.ramdisk_size) {
        const char *initrd = (const char *)(uint64_t)bp->hdr.ramdisk_image;
        char head[17];
        memcpy(head, initrd, 16);
        head[16] = 0;
        put_kv_str("initrd_head", head);
    }
    puts("boot_check: done\n");
}
