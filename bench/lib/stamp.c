// stamp: CLOCK_MONOTONIC in nanoseconds, for "time to the container's first instruction".
//   stamp                      print now (run as the container's command: its first instruction)
//   stamp exec FILE CMD ARGS   write now to FILE, then exec CMD (wraps the runtime being timed)
// Static, so that no dynamic loading inside the container adds to what is measured.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char** argv) {
    long long t = now_ns();
    if (argc >= 4 && argv[1][0] == 'e') {
        FILE* f = fopen(argv[2], "w");
        if (!f) return 127;
        fprintf(f, "%lld\n", t);
        fclose(f);
        execvp(argv[3], argv + 3);
        perror("exec");
        return 127;
    }
    printf("%lld\n", t);
    return 0;
}
