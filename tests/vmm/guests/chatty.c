/* A guest that writes to COM1 forever: for a host that never reads its serial output. */
#include "guest.h"

void guest_main(void *bp) {
    (void)bp;
    for (;;) puts("chatty: and another line of output nobody reads\n");
}
