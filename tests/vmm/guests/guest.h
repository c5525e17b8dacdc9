/* Freestanding helpers for strata's VMM test guests: port and MMIO access, the COM1 console,
 * strings, the kernel command line, interrupts through the 8259 PIC, and the i8042 reset.
 * Guests run identity-mapped in long mode at CPL 0 with interrupts off. */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint32_t mmio_read32(uint64_t addr) { return *(volatile uint32_t*)addr; }
static inline void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t*)addr = v; }
/* A compiler barrier; x86 stores are not reordered with other stores, and the VMM's device
 * thread reads guest memory after the notify write that follows. */
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void full_barrier(void) { __asm__ volatile("mfence" ::: "memory"); }

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int starts_with(const char *s, const char *prefix);

void putc(char c);
void puts(const char *s);  /* no newline added */
void puthex(uint64_t v);   /* 0x... */
void putdec(uint64_t v);
void put_kv_hex(const char *key, uint64_t v);  /* "key=0x..\n" */
void put_kv_str(const char *key, const char *v);

/* Parses "virtio_mmio.device=<size>@<base>:<irq>" number `index` from the command line. */
int find_virtio_mmio(const char *cmdline, int index, uint64_t *base, uint32_t *irq);
uint64_t parse_number(const char **p);  /* decimal or 0x hex, advances *p */

/* Interrupts: the PIC remapped to vectors 0x20-0x2f, everything masked. */
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_eoi(unsigned irq);
typedef void (*isr_t)(void *frame);
void idt_set(unsigned vector, void *handler);
void idt_load(void);
/* Waits with interrupts enabled (sti; hlt) until *flag differs from old. */
void wait_change(volatile uint16_t *flag, uint16_t old);

__attribute__((noreturn)) void i8042_reset(void);
