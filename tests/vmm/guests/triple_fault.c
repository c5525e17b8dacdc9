/* A guest that triple-faults: with an empty IDT, the #UD of ud2 cannot be delivered (#GP), nor can
 * the #GP (#DF), nor the #DF; the CPU shuts down. (ud2 rather than int3: PVM's instruction
 * emulator fails on int3 instead of raising the exception.) */
#include "guest.h"

void guest_main(void *bp) {
    (void)bp;
    puts("triple_fault: loading an empty IDT\n");
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } r = {0, 0};
    __asm__ volatile("lidt %0; ud2" : : "m"(r));
    puts("triple_fault: survived\n");
}
