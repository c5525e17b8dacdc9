/* A guest that never exits on its own: for run() timeouts and Machine::stop(). */
#include "guest.h"

void guest_main(void *bp) {
    (void)bp;
    puts("hang: halting with interrupts off\n");
    for (;;) __asm__ volatile("cli; hlt");
}
