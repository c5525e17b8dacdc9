/* Guest (d): says goodbye and pulses the i8042 reset line. Nothing after that may run. */
#include "guest.h"

void guest_main(void *bp) {
    (void)bp;
    puts("reset: pulsing the i8042 reset line\n");
    outb(0x64, 0xfe);
    puts("reset: still running after the reset\n");
    for (;;) __asm__ volatile("cli; hlt");
}
