/* The bare-QEMU baseline's /init: reports the guest's own time since its kernel started, then
 * ends the VM the way strata's agent does (reboot(2) with reboot=t and QEMU's -no-reboot). */
#include <stdio.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    char line[64];
    int n = snprintf(line, sizeof line, "strata-bench uptime_ms=%ld\n", t.tv_sec * 1000 + t.tv_nsec / 1000000);
    if (write(1, line, (size_t)n) < 0) return 1;
    reboot(RB_AUTOBOOT);
    return 0;
}
