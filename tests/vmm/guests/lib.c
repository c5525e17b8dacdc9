#include "guest.h"

void *memset(void *s, int c, size_t n) {
    unsigned char *p = s;
    while (n--) *p++ = (unsigned char)c;
    return s;
}
void *memcpy(void *d, const void *s, size_t n) {
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--) *dp++ = *sp++;
    return d;
}
int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; --n, ++x, ++y)
        if (*x != *y) return *x - *y;
    return 0;
}
size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) ++n;
    return n;
}
int starts_with(const char *s, const char *prefix) {
    while (*prefix)
        if (*s++ != *prefix++) return 0;
    return 1;
}

#define COM1 0x3f8
void putc(char c) {
    /* The VMM's UART is always ready, but a real 16550 wants THRE polled. */
    while (!(inb(COM1 + 5) & 0x20)) {
    }
    outb(COM1, (uint8_t)c);
}
void puts(const char *s) {
    while (*s) putc(*s++);
}
void puthex(uint64_t v) {
    char buf[19];
    int i = 18;
    buf[i] = 0;
    do {
        buf[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    buf[--i] = 'x';
    buf[--i] = '0';
    puts(buf + i);
}
void putdec(uint64_t v) {
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    puts(buf + i);
}
void put_kv_hex(const char *key, uint64_t v) {
    puts(key);
    putc('=');
    puthex(v);
    putc('\n');
}
void put_kv_str(const char *key, const char *v) {
    puts(key);
    putc('=');
    puts(v);
    putc('\n');
}

uint64_t parse_number(const char **p) {
    const char *s = *p;
    uint64_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        for (;; ++s) {
            char c = *s;
            if (c >= '0' && c <= '9') v = v * 16 + (uint64_t)(c - '0');
            else if (c >= 'a' && c <= 'f') v = v * 16 + (uint64_t)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v = v * 16 + (uint64_t)(c - 'A' + 10);
            else break;
        }
    } else {
        for (; *s >= '0' && *s <= '9'; ++s) v = v * 10 + (uint64_t)(*s - '0');
    }
    *p = s;
    return v;
}

int find_virtio_mmio(const char *cmdline, int index, uint64_t *base, uint32_t *irq) {
    static const char key[] = "virtio_mmio.device=";
    for (const char *p = cmdline; *p; ++p) {
        if ((p != cmdline && p[-1] != ' ') || !starts_with(p, key)) continue;
        if (index-- > 0) continue;
        p += sizeof key - 1;
        parse_number(&p);  /* size, e.g. 4K */
        while (*p && *p != '@') ++p;
        if (*p++ != '@') return 0;
        *base = parse_number(&p);
        if (*p++ != ':') return 0;
        *irq = (uint32_t)parse_number(&p);
        return 1;
    }
    return 0;
}

/* 8259 PICs: ICW1 (edge, cascade, ICW4), ICW2 vector base, ICW3 wiring, ICW4 8086 mode. */
void pic_init(void) {
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, 0x20);
    outb(0xa1, 0x28);
    outb(0x21, 0x04);
    outb(0xa1, 0x02);
    outb(0x21, 0x01);
    outb(0xa1, 0x01);
    outb(0x21, 0xfb); /* all masked but the cascade */
    outb(0xa1, 0xff);
}
void pic_unmask(unsigned irq) {
    uint16_t port = irq < 8 ? 0x21 : 0xa1;
    outb(port, (uint8_t)(inb(port) & ~(1u << (irq & 7))));
}
void pic_eoi(unsigned irq) {
    if (irq >= 8) outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

static uint64_t idt[2 * 256] __attribute__((aligned(16)));
void idt_set(unsigned vector, void *handler) {
    uint64_t a = (uint64_t)handler;
    /* A 64-bit interrupt gate: selector 0x10 (the boot code segment), present, DPL 0. */
    idt[2 * vector] = (a & 0xffff) | (0x10ull << 16) | (0x8eull << 40) | ((a >> 16) & 0xffff) << 48;
    idt[2 * vector + 1] = a >> 32;
}
void idt_load(void) {
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } r = {sizeof idt - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" : : "m"(r));
}

void wait_change(volatile uint16_t *flag, uint16_t old) {
    /* sti takes effect after the next instruction, so an interrupt cannot slip in between the
     * check and hlt and leave us halted. */
    while (*flag == old) __asm__ volatile("sti; hlt; cli" ::: "memory");
}

void i8042_reset(void) {
    outb(0x64, 0xfe);
    for (;;) __asm__ volatile("cli; hlt");
}
